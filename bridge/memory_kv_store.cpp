#include "bridge/memory_kv_store.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include <boost/asio/post.hpp>

namespace txrt::bridge {

// Touched on the loop only, except the atomics.
struct memory_kv_store::core {
  // Expiry -> key (a pointer to the key inside `values`: unordered_map nodes do not move).
  using expiry_index = std::multimap<clock::time_point, const std::string*>;
  struct entry {
    std::string value;
    expiry_index::iterator expiry;
  };
  using hash = std::unordered_map<std::string, std::string>;

  std::size_t max_entries;
  now_function now;
  std::unordered_map<std::string, entry> values;
  expiry_index expiries;
  std::unordered_map<std::string, hash> hashes;
  std::size_t fields = 0;  // across all hashes
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> evicted{0}, refused{0};

  core(std::size_t max, now_function clock_now)
      : max_entries(std::max<std::size_t>(max, 1)), now(std::move(clock_now)) {
    if (!now) now = [] { return clock::now(); };
  }

  void erase(expiry_index::iterator it) {
    // By iterator: `it->second` points into the very node that goes away.
    values.erase(values.find(*it->second));
    expiries.erase(it);
  }

  // Drops values whose time has passed, at most `prune_batch` per call so that a mass expiry
  // does not stall the loop (each set prunes more than it adds, so the backlog drains; lookups
  // check the expiry themselves). Returns the time it pruned at.
  static constexpr std::size_t prune_batch = 256;
  clock::time_point prune() {
    const auto t = now();
    for (std::size_t n = 0; n < prune_batch && !expiries.empty(); ++n) {
      if (expiries.begin()->first > t) break;
      erase(expiries.begin());
    }
    return t;
  }

  bool set(std::string key, std::string value, std::chrono::milliseconds ttl) {
    if (ttl.count() <= 0) return false;
    const auto expires = prune() + ttl;
    auto it = values.find(key);
    if (it == values.end()) {
      if (values.size() >= max_entries) {
        erase(expiries.begin());  // the value that would have expired first
        evicted.fetch_add(1, std::memory_order_relaxed);
      }
      it = values.emplace(std::move(key), entry{}).first;
    } else {
      expiries.erase(it->second.expiry);
    }
    it->second.value = std::move(value);
    it->second.expiry = expiries.emplace(expires, &it->first);
    return true;
  }

  // Like PEXPIRE: only a key that is still there gets the new expiry.
  bool expire(const std::string& key, std::chrono::milliseconds ttl) {
    if (ttl.count() <= 0) return false;
    const auto t = prune();
    auto it = values.find(key);
    if (it == values.end()) return false;
    if (it->second.expiry->first <= t) {
      erase(it->second.expiry);
      return false;
    }
    expiries.erase(it->second.expiry);
    it->second.expiry = expiries.emplace(t + ttl, &it->first);
    return true;
  }

  kv_value get(const std::string& key) {
    const auto t = prune();
    auto it = values.find(key);
    if (it == values.end()) return kv_value{true, std::nullopt};
    if (it->second.expiry->first <= t) {
      erase(it->second.expiry);
      return kv_value{true, std::nullopt};
    }
    return kv_value{true, it->second.value};
  }

  void hset(std::string key, std::string field, std::string value) {
    prune();
    auto& h = hashes[std::move(key)];
    auto it = h.find(field);
    if (it != h.end()) {
      it->second = std::move(value);
      return;
    }
    if (fields >= max_entries) {
      refused.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    h.emplace(std::move(field), std::move(value));
    ++fields;
  }

  kv_value hget(const std::string& key, const std::string& field) {
    prune();
    auto h = hashes.find(key);
    if (h == hashes.end()) return kv_value{true, std::nullopt};
    auto it = h->second.find(field);
    if (it == h->second.end()) return kv_value{true, std::nullopt};
    return kv_value{true, it->second};
  }
};

memory_kv_store::memory_kv_store(boost::asio::io_context& loop, std::size_t max_entries,
                                 now_function now)
    : loop_(loop), core_(std::make_shared<core>(max_entries, std::move(now))) {}

memory_kv_store::~memory_kv_store() {
  core_->stopped = true;  // queued work still holds the core, and finds it stopped
}

void memory_kv_store::set(std::string key, std::string value, std::chrono::milliseconds ttl,
                          std::function<void(bool ok)> done) {
  boost::asio::post(loop_, [c = core_, key = std::move(key), value = std::move(value), ttl,
                            done = std::move(done)]() mutable {
    if (c->stopped) return;
    const bool ok = c->set(std::move(key), std::move(value), ttl);
    if (done) done(ok);
  });
}

void memory_kv_store::expire(std::string key, std::chrono::milliseconds ttl,
                             std::function<void(bool ok)> done) {
  boost::asio::post(loop_, [c = core_, key = std::move(key), ttl, done = std::move(done)] {
    if (c->stopped) return;
    const bool ok = c->expire(key, ttl);
    if (done) done(ok);
  });
}

void memory_kv_store::get(std::string key, kv_callback done) {
  boost::asio::post(loop_, [c = core_, key = std::move(key), done = std::move(done)] {
    if (!c->stopped && done) done(c->get(key));
  });
}

void memory_kv_store::hset(std::string key, std::string field, std::string value) {
  boost::asio::post(loop_, [c = core_, key = std::move(key), field = std::move(field),
                            value = std::move(value)]() mutable {
    if (!c->stopped) c->hset(std::move(key), std::move(field), std::move(value));
  });
}

void memory_kv_store::hget(std::string key, std::string field, kv_callback done) {
  boost::asio::post(
      loop_, [c = core_, key = std::move(key), field = std::move(field), done = std::move(done)] {
        if (!c->stopped && done) done(c->hget(key, field));
      });
}

std::uint64_t memory_kv_store::evictions() const noexcept {
  return core_->evicted.load(std::memory_order_relaxed);
}

std::uint64_t memory_kv_store::refused_fields() const noexcept {
  return core_->refused.load(std::memory_order_relaxed);
}

}  // namespace txrt::bridge
