#pragma once
// The customer directory in Redis: the hash <prefix>customer:parent maps a customer to its
// parent (reseller). A chain is walked one HGET per hop, each customer's parent cached (with a
// TTL, as a safety net for invalidations that never arrive); a missing field or an empty value
// ends the chain. Bounded by 32 hops and cycle-safe, as auth::customer_directory requires.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "auth/directory.hpp"
#include "bridge/redis_connection.hpp"

namespace txrt::telecomx {

namespace net = boost::asio;
using bridge::redis_connection;
using bridge::redis_reply;

class redis_directory final : public auth::customer_directory {
 public:
  // `commands`: a started command connection (redis_bus::commands() will do).
  redis_directory(std::shared_ptr<redis_connection> commands, std::string prefix,
                  std::chrono::milliseconds deadline = std::chrono::milliseconds(2000),
                  std::chrono::seconds ttl = std::chrono::seconds(300));
  // Opens (and owns) its own connection to `url` on `loop`; throws std::invalid_argument for
  // a bad URL.
  redis_directory(net::io_context& loop, const std::string& url, std::string prefix,
                  std::chrono::milliseconds deadline = std::chrono::milliseconds(2000),
                  std::chrono::seconds ttl = std::chrono::seconds(300));
  ~redis_directory() override;

  // Any thread; `done` is posted to `caller`. Redis down or slow -> {ok = false}. A chain that
  // is fully cached completes without Redis.
  void parent_chain(const std::string& customer, boost::asio::any_io_executor caller,
                    auth::chain_callback done) override;
  void invalidate(const std::string& customer) override;

  static constexpr std::size_t max_hops = 32;
  static constexpr std::size_t max_cached = 100000;  // past this the cache starts over

 private:
  struct core;  // cache and connection, shared with walks still in flight
  struct walk;
  std::shared_ptr<core> core_;
  bool owns_connection_ = false;
};

}  // namespace txrt::telecomx
