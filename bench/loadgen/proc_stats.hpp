#pragma once
// CPU time and resident memory of processes, from /proc (Linux), and of this process.
#include <cstdint>
#include <vector>

namespace txrt::bench {

struct cpu_usage {
  double user_s = 0;
  double sys_s = 0;
  cpu_usage operator-(const cpu_usage& o) const noexcept { return {user_s - o.user_s, sys_s - o.sys_s}; }
};

struct process_sample {
  cpu_usage cpu;
  std::uint64_t rss_kib = 0;
  bool ok = true;  // false when one of the processes could not be read (gone?)
};

// The sum over `pids` of user/system CPU (/proc/PID/stat) and VmRSS (/proc/PID/status).
process_sample sample_processes(const std::vector<int>& pids);

// This process's CPU, every thread included.
cpu_usage self_cpu();

}  // namespace txrt::bench
