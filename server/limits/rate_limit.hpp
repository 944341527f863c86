#pragma once
// A rate limit ("N actions per period, in a burst of up to N") and the per-subject state that
// enforces it. Pure: no Asio, no clock of its own; the caller passes the time, so tests can
// drive it with made-up instants.
//
// The state is one time point per subject (GCRA, the "generic cell rate algorithm", which is a
// token bucket written differently): `ready_` is when the bucket will be full again. Each
// action pushes it `period / N` later; an action is refused when that would put it more than
// one period ahead of now. So a fresh (or long idle) subject may act N times at once, then
// once every period / N.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace txrt::limits {

using clock = std::chrono::steady_clock;

struct rate_limit {
  std::uint32_t count = 0;  // actions per period; 0 = unlimited
  clock::duration period = std::chrono::seconds(1);

  bool unlimited() const noexcept { return count == 0; }
  // The time one action costs.
  clock::duration interval() const noexcept { return period / count; }
};

class token_bucket {
 public:
  // Takes one action's worth if the limit allows it now. Always true for an unlimited rate.
  bool try_take(const rate_limit& r, clock::time_point now) noexcept {
    if (r.unlimited()) return true;
    const auto next = std::max(ready_, now) + r.interval();
    if (next - now > r.period) return false;
    ready_ = next;
    return true;
  }
  // True when the bucket is full again: forgetting it changes nothing.
  bool idle(clock::time_point now) const noexcept { return ready_ <= now; }

 private:
  clock::time_point ready_{};
};

}  // namespace txrt::limits
