#pragma once
// The event source: one thread with its own Redis connection PUBLISHes events on the channels
// round-robin, paced to `rate` events per second for `duration`, in pipelined batches. Every
// event carries its channel's sequence number and the CLOCK_MONOTONIC time it was queued.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "bench/loadgen/options.hpp"
#include "bench/loadgen/redis_pipe.hpp"

namespace txrt::bench {

struct publish_result {
  std::vector<std::uint64_t> per_channel;  // events published on each channel
  std::uint64_t total = 0;
  std::uint64_t receivers = 0;  // sum of PUBLISH replies: server nodes that got each event
  double seconds = 0;           // from the first to the last publish
  bool ok = true;
  std::string error;
};

class publisher {
 public:
  // `channels`: how many customers' channels to round-robin over. `stop` ends early.
  publisher(const options& o, std::uint32_t channels, const std::atomic<bool>& stop);
  ~publisher();

  bool connect();  // false: see error()
  const std::string& error() const noexcept { return redis_.error(); }

  void start();            // runs the thread
  publish_result join();   // waits for the end of the run
  // Events published so far (any thread).
  std::uint64_t published() const noexcept { return published_.load(std::memory_order_relaxed); }
  // True once the run is over (all published, stopped, or failed). Any thread.
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }

 private:
  void run();

  const options& options_;
  std::uint32_t channels_;
  const std::atomic<bool>& stop_;
  redis_pipe redis_;
  std::vector<std::string> channel_names_;
  std::vector<std::string> customers_;
  std::thread thread_;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<bool> finished_{false};
  publish_result result_;
};

}  // namespace txrt::bench
