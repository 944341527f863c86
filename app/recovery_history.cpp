#include "app/recovery_history.hpp"

#include <algorithm>

#include "app/app_metrics.hpp"

namespace txrt::telecomx {

recovery_history::recovery_history(std::size_t max_bytes, std::chrono::milliseconds max_age)
    : max_bytes_(max_bytes), max_age_(max_age) {}

std::size_t recovery_history::cost(const history_entry& e) noexcept {
  // The frame (and its compressed twin, kept for replay to sessions that negotiated
  // permessage-deflate), the routing strings and the entry's own bookkeeping (deque slot,
  // shared_ptr control blocks), so that the bound holds for many small events too.
  const std::size_t deflated = e.frame.deflated ? e.frame.deflated->size() + 32 : 0;
  return e.frame.bytes->size() + deflated + e.customer.size() + e.sub_event.size() + 160;
}

void recovery_history::on_stream(stream_offset start) {
  std::lock_guard lock(mutex_);
  if (!start.known()) {
    entries_.clear();
    bytes_ = 0;
    start_ = last_ = {};
    publish_gauges();
    return;
  }
  // Another node's marker while covering: positions continue under a new epoch, nothing is
  // lost. The first marker after a break starts the coverage.
  if (!start_.known()) start_ = start;
  last_ = start;
}

void recovery_history::append(history_entry e) {
  if (!e.position.known()) return;
  std::lock_guard lock(mutex_);
  if (!start_.known() || e.position <= last_) return;  // not after what is kept: never reorder
  last_ = e.position;
  bytes_ += cost(e);
  const auto now = e.at;
  entries_.push_back(std::move(e));
  evict(now);
  publish_gauges();
}

void recovery_history::evict(clock::time_point now) {
  while (!entries_.empty() &&
         (bytes_ > max_bytes_ || now - entries_.front().at > max_age_)) {
    bytes_ -= cost(entries_.front());
    start_ = entries_.front().position;  // coverage now starts after the dropped event
    entries_.pop_front();
  }
}

coverage recovery_history::covers_locked(stream_offset from) const {
  if (!from.known() || !start_.known()) return coverage::unknown;
  if (from < start_) return coverage::too_old;
  if (from > last_) return coverage::ahead;
  return coverage::covered;
}

coverage recovery_history::covers(stream_offset from) const {
  std::lock_guard lock(mutex_);
  return covers_locked(from);
}

bool recovery_history::for_each_after(stream_offset from, stream_offset upto,
                                      const std::function<void(const history_entry&)>& fn) const {
  std::lock_guard lock(mutex_);
  if (covers_locked(from) != coverage::covered) return false;
  auto it = std::upper_bound(entries_.begin(), entries_.end(), from,
                             [](stream_offset v, const history_entry& e) { return v < e.position; });
  for (; it != entries_.end() && it->position <= upto; ++it) fn(*it);
  return true;
}

std::size_t recovery_history::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t recovery_history::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void recovery_history::publish_gauges() const {
  metrics::recovery_history_events.get().set(static_cast<std::int64_t>(entries_.size()));
  metrics::recovery_history_bytes.get().set(static_cast<std::int64_t>(bytes_));
}

}  // namespace txrt::telecomx
