#pragma once
// The kv store over Redis, for several nodes: SET key value PX ttl, PEXPIRE, GET, HSET, HGET on
// the node's command connections (redis_bus::command_pool()), each command on the calling loop's
// own. The commands one thread issues are sent in call order on one connection, so a PEXPIRE
// issued without waiting is pipelined with what that thread sends next (e.g. the PUBLISH of the
// reply that renewed the record) and costs no round trip of its own. Each command has a
// deadline: no answer in time, no connection, or an error reply (WRONGTYPE, a TTL Redis refuses)
// -> ok=false. Failed hset()s, which have no callback, are counted.
//
// Threading: every member may be called from any thread; callbacks run on the bus loop (the
// pool's connection 0), as kv_store.hpp promises: a command issued on another loop is answered
// there and its callback handed over. A command without a callback costs no hand-over. If the
// connection is closed first (shutdown), callbacks are not called.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bridge/kv_store.hpp"
#include "bridge/redis_command_pool.hpp"

namespace txrt::bridge {

class redis_kv_store final : public kv_store {
 public:
  explicit redis_kv_store(std::shared_ptr<redis_command_pool> commands,
                          std::chrono::milliseconds deadline = std::chrono::milliseconds(2000));
  // On one connection (its loop is then the bus loop).
  explicit redis_kv_store(std::shared_ptr<redis_connection> commands,
                          std::chrono::milliseconds deadline = std::chrono::milliseconds(2000));

  void set(std::string key, std::string value, std::chrono::milliseconds ttl,
           std::function<void(bool ok)> done) override;
  // A TTL of zero or less is refused without a command (Redis would delete the key).
  void expire(std::string key, std::chrono::milliseconds ttl,
              std::function<void(bool ok)> done) override;
  void get(std::string key, kv_callback done) override;
  void hset(std::string key, std::string field, std::string value) override;
  void hget(std::string key, std::string field, kv_callback done) override;

  std::uint64_t hset_failures() const noexcept { return failures_->load(); }

  // What a GET / HGET reply means (public for tests): a string -> its value, nil -> nullopt,
  // anything else -> ok=false.
  static kv_value interpret(const redis_reply& reply);

 private:
  // `done` runs on the bus loop.
  void run(std::vector<std::string> args, redis_connection::reply_callback done);
  // `done` (which must be safe on any loop) runs where the reply arrives.
  void run_anywhere(std::vector<std::string> args, redis_connection::reply_callback done);

  std::shared_ptr<redis_command_pool> commands_;
  std::chrono::milliseconds deadline_;
  // Shared with the hset callbacks, which may outlive the store.
  std::shared_ptr<std::atomic<std::uint64_t>> failures_;
};

}  // namespace txrt::bridge
