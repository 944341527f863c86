#include "bench/loadgen/proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace txrt::bench {

namespace {

bool read_stat(int pid, cpu_usage& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(line.substr(close + 2));
  std::string skip;
  // Fields 3..13 (state .. cmajflt), then utime (14) and stime (15), in clock ticks.
  for (int i = 3; i <= 13; ++i) fields >> skip;
  unsigned long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return false;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  out.user_s += static_cast<double>(utime) / tick;
  out.sys_s += static_cast<double>(stime) / tick;
  return true;
}

bool read_rss(int pid, std::uint64_t& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      out += std::stoull(line.substr(6));
      return true;
    }
  }
  return false;
}

// The slab caches one TCP connection adds to: the socket, its sockfs inode and dentry, the open
// file, and the epoll item (with its poll-wait entry) of the process that watches it.
constexpr std::string_view socket_caches[] = {"TCP",   "sock_inode_cache", "dentry",
                                              "filp",  "eventpoll_epi",    "eventpoll_pwq"};

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

}  // namespace

process_sample sample_processes(const std::vector<int>& pids) {
  process_sample s;
  for (int pid : pids) {
    if (!read_stat(pid, s.cpu)) s.ok = false;
    if (!read_rss(pid, s.rss_kib)) s.ok = false;
  }
  return s;
}

cpu_usage self_cpu() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return {seconds(ru.ru_utime), seconds(ru.ru_stime)};
}

kernel_sample sample_kernel() {
  kernel_sample s;
  std::ifstream slabs("/proc/slabinfo");
  std::string line;
  while (std::getline(slabs, line)) {
    std::istringstream fields(line);
    std::string name;
    unsigned long long active = 0, total = 0, size = 0;
    if (!(fields >> name >> active >> total >> size)) continue;
    for (auto cache : socket_caches)
      if (name == cache) s.slab_bytes += active * size;
    s.ok = true;
  }
  std::ifstream sockstat("/proc/net/sockstat");
  while (std::getline(sockstat, line)) {
    if (line.rfind("TCP:", 0) != 0) continue;
    auto at = line.find(" mem ");
    if (at != std::string::npos)
      s.buffer_bytes = std::stoull(line.substr(at + 5)) * static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE));
  }
  return s;
}

}  // namespace txrt::bench
