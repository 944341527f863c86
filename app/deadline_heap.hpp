#pragma once
// A min-heap of deadlines keyed by client, with lazy deletion by generation: one timer per loop
// serves every socket's credential expiry (SPEC §12) instead of one timer per socket.
//
// Contract: push() never looks for an older entry of the same key; the owner bumps the key's
// generation when its deadline changes or goes, and pop_due() hands back every due entry, the
// stale ones included: the caller drops an entry whose generation is no longer the key's.
// Pure: no clock, no Asio; the caller passes `now`. Not thread-safe (one loop owns it).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace txrt::telecomx {

template <class Key, class TimePoint>
class deadline_heap {
 public:
  struct entry {
    TimePoint when;
    Key key;
    std::uint64_t generation = 0;
  };

  void push(TimePoint when, Key key, std::uint64_t generation) {
    entries_.push_back(entry{when, std::move(key), generation});
    std::push_heap(entries_.begin(), entries_.end(), later);
  }

  // The earliest deadline, stale or not; none when empty.
  std::optional<TimePoint> next() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.front().when;
  }

  // Removes and returns every entry due at `now` (when <= now), earliest first.
  std::vector<entry> pop_due(TimePoint now) {
    std::vector<entry> due;
    while (!entries_.empty() && !(now < entries_.front().when)) {
      std::pop_heap(entries_.begin(), entries_.end(), later);
      due.push_back(std::move(entries_.back()));
      entries_.pop_back();
    }
    return due;
  }

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  // std::*_heap build a max-heap for `less`: "later" puts the earliest on top.
  static bool later(const entry& a, const entry& b) { return b.when < a.when; }

  std::vector<entry> entries_;
};

}  // namespace txrt::telecomx
