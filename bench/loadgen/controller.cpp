#include "bench/loadgen/controller.hpp"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "bench/loadgen/payload.hpp"
#include "bench/loadgen/publisher.hpp"
#include "bench/loadgen/redis_pipe.hpp"
#include "bench/loadgen/sessions.hpp"
#include "bench/loadgen/worker.hpp"

namespace txrt::bench {

namespace {

using namespace std::chrono_literals;
constexpr auto poll_step = 20ms;

// Enough descriptors for every client (up to the hard limit).
void raise_file_limit(std::uint32_t sessions) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want = std::min<rlim_t>(lim.rlim_max, static_cast<rlim_t>(sessions) + 64);
  if (lim.rlim_cur < want) {
    lim.rlim_cur = want;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::uint64_t sum_ready(const std::vector<std::unique_ptr<worker>>& ws) {
  std::uint64_t n = 0;
  for (auto& w : ws) n += w->stats().ready.load(std::memory_order_relaxed);
  return n;
}
std::uint64_t sum_failed(const std::vector<std::unique_ptr<worker>>& ws) {
  std::uint64_t n = 0;
  for (auto& w : ws) n += w->stats().failed.load(std::memory_order_relaxed);
  return n;
}
std::uint64_t sum_closed(const std::vector<std::unique_ptr<worker>>& ws) {
  std::uint64_t n = 0;
  for (auto& w : ws) n += w->stats().closed.load(std::memory_order_relaxed);
  return n;
}
std::uint64_t sum_bytes_read(const std::vector<std::unique_ptr<worker>>& ws) {
  std::uint64_t n = 0;
  for (auto& w : ws) n += w->stats().bytes_read.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t sum_deliveries(const std::vector<std::unique_ptr<worker>>& ws) {
  std::uint64_t n = 0;
  for (auto& w : ws) n += w->stats().deliveries.load(std::memory_order_relaxed);
  return n;
}

// The latency recorded since the last call, all workers merged; their histograms are reset.
histogram take_latency(const std::vector<std::unique_ptr<worker>>& ws) {
  histogram merged;
  for (auto& w : ws) {
    w->call([&merged, &w] {
      merged.merge(w->latency());
      w->latency().reset();
      return 0;
    });
  }
  return merged;
}

// Sleeps up to `seconds`, in short steps; false when stopped.
bool sleep_for(double seconds, const std::atomic<bool>& stop) {
  using clock = std::chrono::steady_clock;
  const auto until = clock::now() + std::chrono::duration_cast<clock::duration>(
                                        std::chrono::duration<double>(seconds));
  while (clock::now() < until) {
    if (stop.load()) return false;
    std::this_thread::sleep_for(
        std::min<clock::duration>(poll_step, until - clock::now()));
  }
  return true;
}

struct server_probe {
  const std::vector<int>& pids;
  process_sample take() const { return pids.empty() ? process_sample{} : sample_processes(pids); }
};

// The publishing phase of fanout, broadcast and soak.
void publish_phase(const options& o, std::vector<std::unique_ptr<worker>>& workers,
                   const std::atomic<bool>& stop, const server_probe& server, result& r) {
  const std::uint32_t channels = o.customers;
  std::vector<std::uint64_t> subscribers(channels, 0);
  for (auto& w : workers) {
    auto n = w->call([&w, channels] { return w->subscribers(channels); });
    for (std::uint32_t c = 0; c < channels; ++c) subscribers[c] += n[c];
  }
  publisher pub(o, channels, stop);
  if (!pub.connect()) {
    r.errors.push_back("publisher: Redis: " + pub.error());
    r.ok = false;
    return;
  }
  take_latency(workers);  // nothing should be there; start clean anyway

  const auto cpu0 = server.take();
  const auto self0 = self_cpu();
  const std::uint64_t bytes0 = sum_bytes_read(workers);
  const auto started = std::chrono::steady_clock::now();
  const std::uint64_t started_ns = monotonic_ns();
  pub.start();

  // While publishing: every interval (soak), one line for the interval.
  auto next_line = started + std::chrono::duration<double>(o.interval_s);
  std::uint64_t last_deliveries = 0;
  while (!pub.finished()) {  // the publisher sees `stop` too
    std::this_thread::sleep_for(poll_step);
    if (o.kind == workload::soak && std::chrono::steady_clock::now() >= next_line) {
      next_line += std::chrono::duration<double>(o.interval_s);
      histogram interval = take_latency(workers);
      r.latency.merge(interval);
      const std::uint64_t d = sum_deliveries(workers);
      const std::chrono::duration<double> at = std::chrono::steady_clock::now() - started;
      std::printf(
          "soak t=%.0fs rss_kib=%llu deliveries=%llu (+%llu) events=%llu p99_us=%.1f "
          "ready=%llu closed=%llu\n",
          at.count(), static_cast<unsigned long long>(server.take().rss_kib),
          static_cast<unsigned long long>(d), static_cast<unsigned long long>(d - last_deliveries),
          static_cast<unsigned long long>(pub.published()), interval.quantile(0.99) / 1000.0,
          static_cast<unsigned long long>(sum_ready(workers)),
          static_cast<unsigned long long>(sum_closed(workers)));
      std::fflush(stdout);
      last_deliveries = d;
    }
  }
  publish_result published = pub.join();
  if (!published.ok) {
    r.errors.push_back("publisher: Redis: " + published.error);
    r.ok = false;
  }
  r.events = published.total;
  r.rate = published.seconds > 0 ? static_cast<double>(published.total) / published.seconds : 0;
  for (std::uint32_t c = 0; c < channels; ++c)
    r.expected += subscribers[c] * published.per_channel[c];
  if (published.total > 0 && published.receivers == 0)
    r.errors.push_back("no server received the events (PUBLISH reached 0 subscribers)");

  // Drain: deliveries may lag the last publish; wait for them, within the grace.
  const auto drain_until =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(o.drain_s);
  while (sum_deliveries(workers) < r.expected && std::chrono::steady_clock::now() < drain_until &&
         !stop.load())
    std::this_thread::sleep_for(poll_step);

  const auto cpu1 = server.take();
  // A server gone meanwhile (it died in the step) has no CPU figure: its readings would be a
  // difference against nothing.
  if (!cpu0.ok || !cpu1.ok) r.server_sampled = false;
  const auto self1 = self_cpu();
  r.bytes_received = sum_bytes_read(workers) - bytes0;
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  r.measured_s = took.count();
  r.server_cpu = cpu1.cpu - cpu0.cpu;
  r.server_rss_kib = cpu1.rss_kib;
  r.bench_cpu = self1 - self0;

  r.latency.merge(take_latency(workers));
  for (auto& w : workers) {
    tally t = w->call([&w, &published] { return w->collect(published.per_channel); });
    r.deliveries += t.received + t.misrouted;
    r.lost += t.lost;
    r.reordered += t.reordered;
    r.misrouted += t.misrouted;
  }
  std::uint64_t last_ns = 0;
  for (auto& w : workers)
    last_ns = std::max(last_ns, w->stats().last_delivery_ns.load(std::memory_order_relaxed));
  if (last_ns > started_ns)
    r.deliveries_per_s = static_cast<double>(r.deliveries) / ((last_ns - started_ns) / 1e9);
}

}  // namespace

result run(const options& o, const std::atomic<bool>& stop) {
  result r;
  r.kind = o.kind;
  r.sessions = o.sessions;
  const bool publishes =
      o.kind == workload::fanout || o.kind == workload::broadcast || o.kind == workload::soak;
  r.rate_target = publishes ? o.rate : 0;
  r.failed = o.sessions;  // until the connect phase says otherwise
  raise_file_limit(o.sessions);

  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(o.target.port);
  const std::string host = o.target.host == "localhost" ? "127.0.0.1" : o.target.host;
  if (::inet_pton(AF_INET, host.c_str(), &target.sin_addr) != 1) {
    r.errors.push_back("--target: not an IPv4 address: " + o.target.host);
    r.ok = false;
    return r;
  }

  redis_pipe redis;
  const auto run_id = static_cast<std::uint32_t>(::getpid());
  if (!redis.connect(o.redis) || !write_sessions(redis, o, run_id)) {
    r.errors.push_back("Redis " + o.redis.host + ":" + std::to_string(o.redis.port) + ": " +
                       redis.error());
    r.ok = false;
    return r;
  }

  std::vector<std::unique_ptr<worker>> workers;
  for (std::uint32_t t = 0; t < o.threads; ++t)
    workers.push_back(std::make_unique<worker>(o, t, target));
  for (std::uint32_t i = 0; i < o.sessions; ++i)
    workers[i % o.threads]->add(i, i % o.customers, token_of(run_id, i));

  const server_probe server{o.server_pids};
  const auto before = server.take();
  r.server_sampled = !o.server_pids.empty() && before.ok;
  r.server_rss_before_kib = before.rss_kib;
  const auto kernel_before = sample_kernel();
  const auto self0 = self_cpu();

  // --- connect phase -----------------------------------------------------------------------
  const auto started = std::chrono::steady_clock::now();
  const std::uint64_t started_ns = monotonic_ns();
  for (auto& w : workers) w->start();
  const auto deadline = started + std::chrono::duration<double>(o.connect_timeout_s);
  while (sum_ready(workers) + sum_failed(workers) < o.sessions &&
         std::chrono::steady_clock::now() < deadline && !stop.load())
    std::this_thread::sleep_for(poll_step);
  std::uint64_t last_ready_ns = started_ns;
  for (auto& w : workers)
    last_ready_ns = std::max(last_ready_ns, w->stats().last_ready_ns.load());
  r.sessions_ready = static_cast<std::uint32_t>(sum_ready(workers));
  r.connect_s = static_cast<double>(last_ready_ns - started_ns) / 1e9;
  r.connect_per_s = r.connect_s > 0 ? r.sessions_ready / r.connect_s : 0;
  // Let the server settle (its allocator, the last acks' writes) before reading its RSS.
  sleep_for(0.2, stop);
  const auto connected = server.take();
  if (!connected.ok) r.server_sampled = false;
  const auto kernel_connected = sample_kernel();
  if (kernel_before.ok && kernel_connected.ok && r.sessions_ready > 0)
    r.kernel_kib_per_session = (static_cast<double>(kernel_connected.total()) -
                                static_cast<double>(kernel_before.total())) /
                               1024.0 / r.sessions_ready;
  r.server_rss_connected_kib = connected.rss_kib;
  if (r.sessions_ready > 0 && connected.rss_kib >= before.rss_kib)
    r.server_rss_kib_per_session =
        static_cast<double>(connected.rss_kib - before.rss_kib) / r.sessions_ready;
  r.server_rss_kib = connected.rss_kib;
  std::fprintf(stderr, "txrt-bench: %u/%u sessions ready in %.2f s\n", r.sessions_ready,
               o.sessions, r.connect_s);

  // --- measured phase ----------------------------------------------------------------------
  if (o.kind == workload::connect) {
    r.measured_s = r.connect_s;
    r.server_cpu = connected.cpu - before.cpu;
    r.bench_cpu = self_cpu() - self0;
  } else if (o.kind == workload::idle) {
    const auto cpu0 = server.take();
    const auto idle0 = self_cpu();
    const auto t0 = std::chrono::steady_clock::now();
    sleep_for(o.duration_s, stop);
    const auto cpu1 = server.take();
    if (!cpu0.ok || !cpu1.ok) r.server_sampled = false;
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    r.measured_s = took.count();
    r.server_cpu = cpu1.cpu - cpu0.cpu;
    r.server_rss_kib = cpu1.rss_kib;
    r.bench_cpu = self_cpu() - idle0;
  } else if (r.sessions_ready > 0) {
    publish_phase(o, workers, stop, server, r);
  }

  // --- the end ------------------------------------------------------------------------------
  r.closed = static_cast<std::uint32_t>(sum_closed(workers));
  r.failed = o.sessions - r.sessions_ready;  // failed, or never ready within the connect phase
  for (auto& w : workers) {
    tally t = w->call([&w] { return w->collect({}); });
    for (const auto& [why, n] : t.failures) r.failures[why] += n;
    for (auto& e : t.first_errors)
      if (r.errors.size() < 10) r.errors.push_back(std::move(e));
  }
  if (r.failed > 0 && r.failures.empty()) r.failures["not ready within the connect timeout"] = r.failed;
  for (auto& w : workers) w->stop();
  if (!delete_sessions(redis, o, run_id))
    r.errors.push_back("could not delete the sessions: " + redis.error());

  if (r.failed > 0 || r.closed > 0 || r.lost > 0 || r.reordered > 0 || r.misrouted > 0)
    r.ok = false;
  if (publishes && r.deliveries == 0) r.ok = false;
  if (stop.load()) r.ok = false;
  return r;
}

}  // namespace txrt::bench
