#pragma once
// The outcome of a run: what the controller measured, as one JSON object (the last stdout line
// with --json; the schema bench/run reads) and as lines for a person.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/options.hpp"
#include "bench/loadgen/proc_stats.hpp"

namespace txrt::bench {

struct result {
  workload kind = workload::fanout;
  std::uint32_t sessions = 0;        // asked for
  std::uint32_t sessions_ready = 0;  // subscribed at the end of the connect phase
  std::uint32_t failed = 0;          // did not get through connect/authenticate/subscribe
  std::uint32_t closed = 0;          // lost after they were ready
  double connect_s = 0;
  double connect_per_s = 0;

  double rate_target = 0;
  double rate = 0;             // events published per second, achieved
  std::uint64_t events = 0;    // published
  std::uint64_t expected = 0;  // deliveries due: the events of each channel × its subscribers
  std::uint64_t deliveries = 0;
  double deliveries_per_s = 0;
  // Bytes the clients read from the server while events flowed (frames of every kind: with
  // permessage-deflate, the compressed ones).
  std::uint64_t bytes_received = 0;
  std::uint64_t lost = 0;
  std::uint64_t reordered = 0;
  std::uint64_t misrouted = 0;
  histogram latency;  // nanoseconds

  double measured_s = 0;  // the phase the CPU figures cover
  cpu_usage server_cpu;
  std::uint64_t server_rss_before_kib = 0;
  std::uint64_t server_rss_connected_kib = 0;
  std::uint64_t server_rss_kib = 0;  // at the end of the measured phase
  double server_rss_kib_per_session = 0;
  // Kernel memory of the sockets (proc_stats.hpp: both ends of each loopback connection), KiB
  // per ready session; negative when /proc/slabinfo was unreadable.
  double kernel_kib_per_session = -1;
  bool server_sampled = false;
  cpu_usage bench_cpu;

  std::map<std::string, std::uint32_t> failures;
  std::vector<std::string> errors;  // fatal problems and the first client errors
  bool ok = true;                    // the smoke verdict
};

std::string to_json(const result& r);
std::string to_text(const result& r);

}  // namespace txrt::bench
