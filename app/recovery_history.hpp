#pragma once
// The events this node keeps so that a client coming back can be sent what it missed (SPEC §11,
// docs/recovery.md). Every node receives every event, so every node keeps the same history
// under the same positions (protocol/telecomx/stream_offset.hpp): a client's offset from any
// node is looked up here, and nothing depends on the node it came from still being alive.
//
// Bounded twice: by age (recovery-window-ms: an event older than that cannot be missed by a
// session that is still recoverable) and by bytes (recovery-buffer-bytes); the oldest go first,
// and coverage then starts after the last one dropped. A break in the stream (the bus lost
// Redis) drops everything: positions before it can no longer prove that nothing was missed.
//
// Threading: append() and the stream calls on the bus loop; covers() and for_each_after() on
// any loop (a recovery, rare). One mutex, uncontended on the hot path.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "protocol/telecomx/stream_offset.hpp"
#include "protocol/telecomx/subscription.hpp"
#include "server/engine/types.hpp"

namespace txrt::telecomx {

struct history_entry {
  stream_offset position;
  event_type type = event_type::pbx;
  std::string customer;
  std::string sub_event;
  engine::outgoing frame;  // the event as sent, its offset included
  std::chrono::steady_clock::time_point at;

  event_meta meta() const { return {type, customer, sub_event}; }
};

enum class coverage { covered, unknown, too_old, ahead };

class recovery_history {
 public:
  using clock = std::chrono::steady_clock;
  recovery_history(std::size_t max_bytes, std::chrono::milliseconds max_age);

  // The stream restarted at `start` (a marker) or broke (`start` unknown); see bridge/bus.hpp.
  void on_stream(stream_offset start);
  // Keeps `e` (its position known and after every kept one), then drops what is too old or
  // over the byte bound.
  void append(history_entry e);

  // Whether every event after `from` is here (from is inside the coverage).
  coverage covers(stream_offset from) const;
  // Calls `fn` for every kept event after `from` and up to `upto`, in order. Returns false (and
  // calls nothing) when `from` is no longer covered.
  bool for_each_after(stream_offset from, stream_offset upto,
                      const std::function<void(const history_entry&)>& fn) const;

  std::size_t size() const;
  std::size_t bytes() const;

 private:
  static std::size_t cost(const history_entry& e) noexcept;
  void evict(clock::time_point now);  // with mutex_ held
  coverage covers_locked(stream_offset from) const;
  void publish_gauges() const;  // with mutex_ held

  const std::size_t max_bytes_;
  const std::chrono::milliseconds max_age_;
  mutable std::mutex mutex_;
  std::deque<history_entry> entries_;
  std::size_t bytes_ = 0;
  stream_offset start_;  // every event after this is kept; unknown = no coverage
  stream_offset last_;   // the newest position seen (an event's, or the marker's)
};

}  // namespace txrt::telecomx
