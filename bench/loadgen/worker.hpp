#pragma once
// One client event loop on its own thread: a share of the clients, their shared read buffer,
// the latency histogram they record into, and counters the controller reads.
//
// The connect phase keeps at most `concurrency` handshakes in flight: a new client starts when
// one finishes (ready or failed), so the server's accept backlog is never flooded.
// Everything but the atomic counters and call() belongs to the loop thread.
#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/options.hpp"
#include "bench/loadgen/poller.hpp"
#include "bench/loadgen/ws_client.hpp"

namespace txrt::bench {

// What the controller learns from a worker at the end of a phase.
struct tally {
  std::uint64_t received = 0;
  std::uint64_t expected = 0;
  std::uint64_t lost = 0;
  std::uint64_t reordered = 0;
  std::uint64_t misrouted = 0;
  std::uint32_t ready = 0;         // clients still ready
  std::uint32_t not_ready = 0;     // failed, closed, or never finished the handshake
  std::map<std::string, std::uint32_t> failures;  // by phase / reason
  std::vector<std::string> first_errors;          // a few messages, for the operator
};

class worker {
 public:
  struct counters {
    std::atomic<std::uint32_t> ready{0};
    std::atomic<std::uint32_t> failed{0};   // before ready
    std::atomic<std::uint32_t> closed{0};   // after ready
    std::atomic<std::uint64_t> deliveries{0};
    std::atomic<std::uint64_t> bytes_read{0};  // from the server, headers and frames alike
    std::atomic<std::uint64_t> last_ready_ns{0};
    std::atomic<std::uint64_t> last_delivery_ns{0};
  };

  worker(const options& o, std::uint32_t index, const sockaddr_in& target);
  ~worker();

  // Before start(): one client per call.
  void add(std::uint32_t session, std::uint32_t channel, std::string token);
  std::size_t size() const noexcept { return clients_.size(); }

  void start();  // runs the loop thread and begins connecting
  void stop();   // closes every client, ends the loop, joins the thread

  // Runs `f` on the loop thread and returns its result. Controller thread only.
  template <typename F>
  auto call(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    net::post(context_, [&task] { task(); });
    return result.get();
  }

  const counters& stats() const noexcept { return counters_; }

  // --- loop thread -------------------------------------------------------------------------
  poller& io() noexcept { return poller_; }
  const sockaddr_in& target() const noexcept { return target_; }
  const options& opts() const noexcept { return options_; }
  std::span<char> read_buffer() noexcept { return read_buffer_; }
  histogram& latency() noexcept { return latency_; }
  std::uint64_t random() noexcept;

  void on_ready(std::uint64_t now_ns);
  void on_failed(const ws_client& c, std::string_view why);
  void add_bytes_read(std::uint64_t n) noexcept {
    bytes_read_ += n;
    counters_.bytes_read.store(bytes_read_, std::memory_order_relaxed);
  }
  void add_deliveries(std::uint64_t n, std::uint64_t now_ns) noexcept {
    deliveries_ += n;
    counters_.deliveries.store(deliveries_, std::memory_order_relaxed);
    counters_.last_delivery_ns.store(now_ns, std::memory_order_relaxed);
  }

  // Loss and order against what was published on each channel (the run's end).
  tally collect(const std::vector<std::uint64_t>& published);
  // How many ready clients listen to each channel.
  std::vector<std::uint64_t> subscribers(std::size_t channels);

 private:
  void start_more();

  const options& options_;
  std::uint32_t index_;
  sockaddr_in target_;
  net::io_context context_{1};
  net::executor_work_guard<net::io_context::executor_type> work_;
  poller poller_;
  std::vector<std::unique_ptr<ws_client>> clients_;  // destroyed before the poller and loop
  std::vector<char> read_buffer_;
  histogram latency_;
  counters counters_;
  std::uint64_t deliveries_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::size_t next_client_ = 0;
  std::uint32_t in_flight_ = 0;
  std::uint64_t random_state_;
  std::map<std::string, std::uint32_t> failures_;
  std::vector<std::string> first_errors_;
  std::thread thread_;
};

}  // namespace txrt::bench
