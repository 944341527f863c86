#pragma once
// The kv store of single-node mode: maps in memory, owned by one loop (the bus loop).
//
// Values set with a TTL (milliseconds; expire() moves it) are invisible once expired, and pruned
// on access: each call first drops a batch of entries whose time has passed, in expiry order
// (amortised: an entry is pruned once; no timer). Bounded: at most `max_entries` values; a set of a
// new key into a full store evicts the value that expires first (counted). Hash fields have no TTL
// (as in Redis); at most `max_entries` of them, a new field beyond that is refused (counted);
// overwriting is always accepted.
//
// Threading: every member may be called from any thread; the work is posted to the loop and
// callbacks run there, never inside the call. After destruction no callback runs.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "bridge/kv_store.hpp"

namespace txrt::bridge {

class memory_kv_store final : public kv_store {
 public:
  using clock = std::chrono::steady_clock;
  // The store's clock; tests pass a fake one. Called on the loop only.
  using now_function = std::function<clock::time_point()>;
  static constexpr std::size_t default_max_entries = 1'000'000;

  explicit memory_kv_store(boost::asio::io_context& loop,
                           std::size_t max_entries = default_max_entries, now_function now = {});
  ~memory_kv_store() override;
  memory_kv_store(const memory_kv_store&) = delete;
  memory_kv_store& operator=(const memory_kv_store&) = delete;

  // A TTL of zero or less is refused (done(false)), as Redis refuses "PX 0".
  void set(std::string key, std::string value, std::chrono::milliseconds ttl,
           std::function<void(bool ok)> done) override;
  // Moves the expiry of a value that is still there; false for a missing or expired key, and
  // for a TTL of zero or less (refused, not taken as a delete).
  void expire(std::string key, std::chrono::milliseconds ttl,
              std::function<void(bool ok)> done) override;
  // Always ok=true; value nullopt for a missing or expired key.
  void get(std::string key, kv_callback done) override;
  void hset(std::string key, std::string field, std::string value) override;
  void hget(std::string key, std::string field, kv_callback done) override;

  // Thread-safe counters, for metrics and tests.
  std::uint64_t evictions() const noexcept;       // values evicted early to make room
  std::uint64_t refused_fields() const noexcept;  // hash fields refused because the store was full

 private:
  struct core;  // the maps, shared with work still queued on the loop
  boost::asio::io_context& loop_;
  std::shared_ptr<core> core_;
};

}  // namespace txrt::bridge
