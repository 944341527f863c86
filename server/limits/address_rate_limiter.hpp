#pragma once
// One rate limit per client address (authenticate attempts per IP), shared by every loop.
// Pure: no Asio; the caller passes the time.
//
// Memory is bounded: an address whose bucket is full again is forgotten (forgetting it changes
// nothing), and at most `max_entries` addresses are tracked; past that the least recently seen
// one is dropped, which at worst gives that address a fresh burst. Thread safety: the table is
// split into shards by a hash of the address, each behind its own mutex, held for one lookup
// per call. Callers use it once per authenticate, never per message.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/limits/rate_limit.hpp"

namespace txrt::limits {

class address_rate_limiter {
 public:
  address_rate_limiter(rate_limit limit, std::size_t max_entries, std::size_t shard_count = 16)
      : limit_(limit), shards_(shard_count == 0 ? 1 : shard_count) {
    per_shard_ = std::max<std::size_t>(1, max_entries / shards_.size());
  }

  const rate_limit& limit() const noexcept { return limit_; }

  // Takes one action for `address`; false when the address is over its limit.
  bool try_take(std::string_view address, clock::time_point now) {
    if (limit_.unlimited()) return true;
    shard& s = shards_[std::hash<std::string_view>{}(address) % shards_.size()];
    std::lock_guard lock(s.mutex);
    // The least recently seen entries come first; drop those that are idle again.
    while (!s.lru.empty()) {
      auto it = s.entries.find(s.lru.front());
      if (!it->second.bucket.idle(now)) break;
      s.entries.erase(it);
      s.lru.pop_front();
    }
    auto it = s.entries.find(address);
    if (it == s.entries.end()) {
      if (s.entries.size() >= per_shard_) {
        s.entries.erase(s.lru.front());
        s.lru.pop_front();
      }
      s.lru.emplace_back(address);
      it = s.entries.emplace(std::string_view(s.lru.back()), entry{{}, std::prev(s.lru.end())})
               .first;
    } else {
      s.lru.splice(s.lru.end(), s.lru, it->second.position);
    }
    return it->second.bucket.try_take(limit_, now);
  }

  // Addresses tracked now (for tests and metrics; takes every shard's lock in turn).
  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& s : shards_) {
      std::lock_guard lock(s.mutex);
      n += s.entries.size();
    }
    return n;
  }

 private:
  struct entry {
    token_bucket bucket;
    std::list<std::string>::iterator position;  // in lru; its string is the map's key
  };
  struct shard {
    mutable std::mutex mutex;
    std::list<std::string> lru;  // least recently seen first
    std::unordered_map<std::string_view, entry> entries;
  };

  rate_limit limit_;
  std::vector<shard> shards_;
  std::size_t per_shard_ = 1;
};

}  // namespace txrt::limits
