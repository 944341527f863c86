#pragma once
// How many Engine.IO sessions and WebSocket transports exist in the process, for the graceful
// shutdown: it waits until every session and every closing WebSocket (whose close handshake
// outlives its session) is gone. An atomic rather than per-loop counts read through posts,
// because the objects are created and destroyed on several loops and the shutdown only needs
// "is it zero yet" from one of them.
#include <atomic>
#include <cstddef>

namespace txrt::engine {

inline std::atomic<std::size_t> live_engine_objects{0};

// A member whose lifetime is counted in live_engine_objects.
struct live_count {
  live_count() noexcept { live_engine_objects.fetch_add(1, std::memory_order_relaxed); }
  ~live_count() { live_engine_objects.fetch_sub(1, std::memory_order_relaxed); }
  live_count(const live_count&) = delete;
  live_count& operator=(const live_count&) = delete;
};

}  // namespace txrt::engine
