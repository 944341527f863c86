#include "bench/loadgen/report.hpp"

#include <cstdio>

namespace txrt::bench {

namespace {

std::string number(double v, int decimals = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

}  // namespace

std::string to_json(const result& r) {
  const auto& h = r.latency;
  std::string j = "{";
  j += "\"workload\":" + quoted(to_string(r.kind));
  j += ",\"sessions\":" + std::to_string(r.sessions);
  j += ",\"sessions_ready\":" + std::to_string(r.sessions_ready);
  j += ",\"failed\":" + std::to_string(r.failed);
  j += ",\"closed\":" + std::to_string(r.closed);
  j += ",\"connect_s\":" + number(r.connect_s);
  j += ",\"connect_per_s\":" + number(r.connect_per_s, 1);
  j += ",\"rate_target\":" + number(r.rate_target, 1);
  j += ",\"rate\":" + number(r.rate, 1);
  j += ",\"events\":" + std::to_string(r.events);
  j += ",\"expected\":" + std::to_string(r.expected);
  j += ",\"deliveries\":" + std::to_string(r.deliveries);
  j += ",\"deliveries_per_s\":" + number(r.deliveries_per_s, 1);
  j += ",\"bytes_received\":" + std::to_string(r.bytes_received);
  j += ",\"lost\":" + std::to_string(r.lost);
  j += ",\"reordered\":" + std::to_string(r.reordered);
  j += ",\"misrouted\":" + std::to_string(r.misrouted);
  j += ",\"latency_us\":{\"p50\":" + number(us(h.quantile(0.5)), 1) +
       ",\"p90\":" + number(us(h.quantile(0.9)), 1) +
       ",\"p99\":" + number(us(h.quantile(0.99)), 1) +
       ",\"p999\":" + number(us(h.quantile(0.999)), 1) + ",\"max\":" + number(us(h.max()), 1) +
       ",\"count\":" + std::to_string(h.count()) + "}";
  j += ",\"measured_s\":" + number(r.measured_s);
  j += ",\"server\":{\"cpu_user_s\":" + number(r.server_cpu.user_s, 2) +
       ",\"cpu_sys_s\":" + number(r.server_cpu.sys_s, 2) +
       ",\"rss_kib\":" + std::to_string(r.server_rss_kib) +
       ",\"rss_kib_before\":" + std::to_string(r.server_rss_before_kib) +
       ",\"rss_kib_connected\":" + std::to_string(r.server_rss_connected_kib) +
       ",\"rss_kib_per_session\":" + number(r.server_rss_kib_per_session, 2) +
       ",\"sampled\":" + (r.server_sampled ? "true" : "false") + "}";
  if (r.kernel_kib_per_session >= 0)
    j += ",\"kernel\":{\"socket_kib_per_session\":" + number(r.kernel_kib_per_session, 2) + "}";
  j += ",\"bench\":{\"cpu_user_s\":" + number(r.bench_cpu.user_s, 2) +
       ",\"cpu_sys_s\":" + number(r.bench_cpu.sys_s, 2) + "}";
  j += ",\"failures\":{";
  bool first = true;
  for (const auto& [why, n] : r.failures) {
    if (!first) j += ',';
    first = false;
    j += quoted(why) + ":" + std::to_string(n);
  }
  j += "},\"ok\":";
  j += r.ok ? "true" : "false";
  j += "}";
  return j;
}

std::string to_text(const result& r) {
  const auto& h = r.latency;
  std::string t;
  t += std::string("workload ") + to_string(r.kind) + ": " + std::to_string(r.sessions_ready) +
       "/" + std::to_string(r.sessions) + " sessions ready in " + number(r.connect_s, 2) +
       " s (" + number(r.connect_per_s, 0) + "/s), " + std::to_string(r.failed) + " failed, " +
       std::to_string(r.closed) + " closed later\n";
  if (r.events > 0 || r.kind == workload::fanout || r.kind == workload::broadcast ||
      r.kind == workload::soak) {
    t += "events " + std::to_string(r.events) + " at " + number(r.rate, 0) + "/s (target " +
         number(r.rate_target, 0) + "); deliveries " + std::to_string(r.deliveries) + "/" +
         std::to_string(r.expected) + " (" + number(r.deliveries_per_s, 0) + "/s); lost " +
         std::to_string(r.lost) + ", reordered " + std::to_string(r.reordered) +
         ", misrouted " + std::to_string(r.misrouted) + "\n";
    if (r.deliveries > 0)
      t += "bytes received " + std::to_string(r.bytes_received) + " (" +
           number(static_cast<double>(r.bytes_received) / static_cast<double>(r.deliveries), 1) +
           " per delivery)\n";
    t += "latency us: p50 " + number(us(h.quantile(0.5)), 1) + "  p90 " +
         number(us(h.quantile(0.9)), 1) + "  p99 " + number(us(h.quantile(0.99)), 1) +
         "  p99.9 " + number(us(h.quantile(0.999)), 1) + "  max " + number(us(h.max()), 1) + "\n";
  }
  if (r.server_sampled) {
    t += "server over " + number(r.measured_s, 2) + " s: cpu user " +
         number(r.server_cpu.user_s, 2) + " s, sys " + number(r.server_cpu.sys_s, 2) +
         " s; rss " + std::to_string(r.server_rss_kib) + " KiB (" +
         number(r.server_rss_kib_per_session, 2) + " KiB/session)\n";
  }
  if (r.kernel_kib_per_session >= 0)
    t += "kernel socket memory " + number(r.kernel_kib_per_session, 2) +
         " KiB/session (both ends of each loopback connection)\n";
  t += "bench cpu user " + number(r.bench_cpu.user_s, 2) + " s, sys " +
       number(r.bench_cpu.sys_s, 2) + " s\n";
  for (const auto& [why, n] : r.failures) t += "  " + why + ": " + std::to_string(n) + "\n";
  for (const auto& e : r.errors) t += "  error: " + e + "\n";
  return t;
}

}  // namespace txrt::bench
