#include "bench/loadgen/publisher.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "bench/loadgen/payload.hpp"
#include "bench/loadgen/sessions.hpp"

namespace txrt::bench {

namespace {
// At most this many PUBLISHes per round trip: large enough to amortise the round trip at a
// million events per second, small enough that an event waits well under a millisecond.
constexpr std::uint64_t max_batch = 256;
}  // namespace

publisher::publisher(const options& o, std::uint32_t channels, const std::atomic<bool>& stop)
    : options_(o), channels_(std::max<std::uint32_t>(channels, 1)), stop_(stop) {
  for (std::uint32_t c = 0; c < channels_; ++c) {
    channel_names_.push_back(channel_name(o.prefix, c));
    customers_.push_back(customer_name(c));
  }
  result_.per_channel.assign(channels_, 0);
}

publisher::~publisher() {
  if (thread_.joinable()) thread_.join();
}

bool publisher::connect() { return redis_.connect(options_.redis); }

void publisher::start() {
  thread_ = std::thread([this] { run(); });
}

publish_result publisher::join() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

void publisher::run() {
  using clock = std::chrono::steady_clock;
  const auto total = static_cast<std::uint64_t>(std::llround(options_.rate * options_.duration_s));
  std::string payload;
  payload.reserve(options_.event_bytes + 128);
  std::uint32_t next_channel = 0;
  std::uint64_t sent = 0;
  const auto started = clock::now();
  while (sent < total && !stop_.load(std::memory_order_relaxed)) {
    const std::chrono::duration<double> elapsed = clock::now() - started;
    const auto due = std::min<std::uint64_t>(
        total, static_cast<std::uint64_t>(elapsed.count() * options_.rate) + 1);
    if (due <= sent) {
      // Ahead of schedule: sleep until the next event is due (at most 1 ms at a time, so a
      // stop is seen quickly).
      const double wait_s = std::min(0.001, (static_cast<double>(sent) / options_.rate) -
                                                elapsed.count());
      if (wait_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
      continue;
    }
    const std::uint64_t n = std::min(due - sent, max_batch);
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint32_t c = next_channel;
      next_channel = next_channel + 1 == channels_ ? 0 : next_channel + 1;
      stamp s{result_.per_channel[c], c, monotonic_ns()};
      build_event(payload, s, customers_[c], options_.event_bytes);
      redis_.append({"PUBLISH", channel_names_[c], payload});
      ++result_.per_channel[c];
    }
    if (!redis_.flush(&result_.receivers)) {
      result_.ok = false;
      result_.error = redis_.error();
      break;
    }
    sent += n;
    published_.store(sent, std::memory_order_relaxed);
  }
  const std::chrono::duration<double> took = clock::now() - started;
  result_.seconds = took.count();
  result_.total = sent;
  finished_.store(true, std::memory_order_release);
}

}  // namespace txrt::bench
