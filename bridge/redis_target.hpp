#pragma once
// Which Redis txrt uses, from the configuration: one server (`redis`), or a master found
// through Sentinel (`redis-sentinels`, `redis-master-name`), with the master's and the
// sentinels' credentials, and TLS (rediss://, or redis-tls with Sentinel). Start-up and
// --check-config both build it, so a bad value, or a TLS file that cannot be used, fails at
// start-up with the key in the message (exit 2).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "bridge/redis_url.hpp"
#include "config/config.hpp"

namespace txrt::bridge {

struct redis_target {
  // One server: where it is. Sentinel: the master's user, password and db (host/port unused).
  redis_endpoint endpoint;
  std::vector<redis_endpoint> sentinels;  // non-empty: Sentinel; each with the sentinels' password
  std::string master_name;
  // Set when an endpoint has tls: CA, client certificate (redis-tls-*), shared by every
  // connection (master and sentinels).
  std::shared_ptr<boost::asio::ssl::context> tls;

  bool sentinel() const noexcept { return !sentinels.empty(); }
};

// nullopt (and `error` = "<key>: why") for a value that cannot work; also when Redis is not
// configured at all (config::uses_redis() false).
std::optional<redis_target> redis_target_from(const config::settings& cfg, std::string* error);
// The same, throwing std::invalid_argument with that message.
redis_target redis_target_or_throw(const config::settings& cfg);

}  // namespace txrt::bridge
