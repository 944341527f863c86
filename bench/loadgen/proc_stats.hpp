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

// The kernel memory that sockets hold, machine-wide: RSS does not show it. The slab caches a
// TCP connection allocates (the socket itself, its inode, file, dentry and epoll entries, from
// /proc/slabinfo, readable by root only) plus the TCP buffer pages of /proc/net/sockstat. On
// loopback both ends of a connection are in this kernel, the load generator's too.
struct kernel_sample {
  std::uint64_t slab_bytes = 0;    // active objects x object size, over the socket caches
  std::uint64_t buffer_bytes = 0;  // sockstat "TCP: ... mem" pages x page size
  bool ok = false;                 // false when /proc/slabinfo could not be read
  std::uint64_t total() const noexcept { return slab_bytes + buffer_bytes; }
};
kernel_sample sample_kernel();

}  // namespace txrt::bench
