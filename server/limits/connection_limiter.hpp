#pragma once
// Counts the open connections of the node and of each client address, and refuses one past
// the configured maximum. Pure: no Asio.
//
// What is counted is up to the caller (txrt: each HTTP connection, and each Engine.IO session,
// see server/limits/session_limit.hpp). The node count is one atomic. The per-address counts
// exist only when a per-address maximum is set: a table split into shards by a hash of the
// address, each behind its own mutex, touched once when a connection opens and once when it
// closes, never per message. An address is in the table only while it has open connections,
// so the table never holds more entries than there are connections.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace txrt::limits {

struct connection_limits {
  std::uint32_t max_total = 0;        // 0 = unlimited
  std::uint32_t max_per_address = 0;  // 0 = unlimited
};

enum class admission : std::uint8_t { admitted, node_full, address_full };

class connection_limiter {
 public:
  explicit connection_limiter(connection_limits limits, std::size_t shard_count = 16)
      : limits_(limits), shards_(shard_count == 0 ? 1 : shard_count) {}

  const connection_limits& limits() const noexcept { return limits_; }

  // Counts one more connection from `address` unless a maximum is reached. An empty address
  // is counted against the node only (e.g. a trusted load balancer, whose clients are many).
  // Every `admitted` must be matched by one release() with the same address.
  admission try_acquire(std::string_view address) {
    const std::size_t before = open_.fetch_add(1, std::memory_order_relaxed);
    if (limits_.max_total != 0 && before >= limits_.max_total) {
      open_.fetch_sub(1, std::memory_order_relaxed);
      return admission::node_full;
    }
    if (!tracks(address)) return admission::admitted;
    shard& s = shard_of(address);
    std::lock_guard lock(s.mutex);
    auto it = s.counts.find(address);
    if (it == s.counts.end()) {
      s.counts.emplace(std::string(address), 1);
      return admission::admitted;
    }
    if (it->second >= limits_.max_per_address) {
      open_.fetch_sub(1, std::memory_order_relaxed);
      return admission::address_full;
    }
    ++it->second;
    return admission::admitted;
  }

  void release(std::string_view address) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    if (!tracks(address)) return;
    shard& s = shard_of(address);
    std::lock_guard lock(s.mutex);
    auto it = s.counts.find(address);
    if (it != s.counts.end() && --it->second == 0) s.counts.erase(it);
  }

  // Connections counted now.
  std::size_t open() const noexcept { return open_.load(std::memory_order_relaxed); }
  // Addresses with at least one counted connection (0 without a per-address maximum).
  std::size_t addresses() const {
    std::size_t n = 0;
    for (const auto& s : shards_) {
      std::lock_guard lock(s.mutex);
      n += s.counts.size();
    }
    return n;
  }

 private:
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::uint32_t, hash, std::equal_to<>> counts;
  };

  bool tracks(std::string_view address) const noexcept {
    return limits_.max_per_address != 0 && !address.empty();
  }
  shard& shard_of(std::string_view address) { return shards_[hash{}(address) % shards_.size()]; }

  connection_limits limits_;
  std::atomic<std::size_t> open_{0};
  std::vector<shard> shards_;
};

// One counted connection; releases it when destroyed (or earlier, by release()).
class connection_slot {
 public:
  connection_slot() = default;
  connection_slot(connection_limiter& limiter, std::string address)
      : limiter_(&limiter), address_(std::move(address)) {}
  connection_slot(connection_slot&& o) noexcept
      : limiter_(std::exchange(o.limiter_, nullptr)), address_(std::move(o.address_)) {}
  connection_slot& operator=(connection_slot&& o) noexcept {
    if (this != &o) {
      release();
      limiter_ = std::exchange(o.limiter_, nullptr);
      address_ = std::move(o.address_);
    }
    return *this;
  }
  ~connection_slot() { release(); }

  void release() {
    if (limiter_) std::exchange(limiter_, nullptr)->release(address_);
  }

 private:
  connection_limiter* limiter_ = nullptr;
  std::string address_;
};

}  // namespace txrt::limits
