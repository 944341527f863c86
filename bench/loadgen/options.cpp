#include "bench/loadgen/options.hpp"

#include <charconv>
#include <cstring>
#include <set>
#include <string_view>

namespace txrt::bench {

const char* to_string(workload w) noexcept {
  switch (w) {
    case workload::connect: return "connect";
    case workload::idle: return "idle";
    case workload::fanout: return "fanout";
    case workload::broadcast: return "broadcast";
    case workload::soak: return "soak";
  }
  return "?";
}

namespace {

constexpr const char* usage =
    "usage: txrt-bench --target HOST:PORT --workload connect|idle|fanout|broadcast|soak\n"
    "                  --sessions N [--customers N] [--rate EVENTS_PER_S] [--duration SECONDS]\n"
    "                  [--event-bytes N] [--sources K] --redis HOST:PORT [--prefix P]\n"
    "                  [--server-pid PID ...] [--threads N] [--concurrency N]\n"
    "                  [--connect-timeout SECONDS] [--drain SECONDS] [--interval SECONDS]\n"
    "                  [--smoke] [--json] [--compression]\n"
    "Opens N Socket.IO WebSocket clients that authenticate with tokens written to Redis\n"
    "(<prefix>session:<token>) and subscribe to PBX events; publishes paced events on Redis and\n"
    "reports deliveries, loss, reordering, latency percentiles and the server's CPU and RSS.\n"
    "--smoke: 200 sessions, 20 customers, 200 events/s for 3 s unless given; exit status 1 on\n"
    "any failed session, loss or reordering. --json: the last stdout line is one JSON object.\n"
    "--compression: offer permessage-deflate and inflate the compressed messages (fails a\n"
    "session the server does not agree it with).\n";

template <typename T>
bool parse_number(std::string_view text, T& out) {
  auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

bool parse_endpoint(std::string_view text, endpoint& out) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::uint16_t port = 0;
  if (!parse_number(text.substr(colon + 1), port) || port == 0) return false;
  out.host = std::string(text.substr(0, colon));
  out.port = port;
  return true;
}

std::optional<workload> parse_workload(std::string_view text) {
  if (text == "connect") return workload::connect;
  if (text == "idle") return workload::idle;
  if (text == "fanout") return workload::fanout;
  if (text == "broadcast") return workload::broadcast;
  if (text == "soak") return workload::soak;
  return std::nullopt;
}

parse_outcome error(std::string message) {
  parse_outcome r;
  r.message = "txrt-bench: " + message + "\n" + usage;
  r.exit_code = 2;
  return r;
}

}  // namespace

parse_outcome parse_options(int argc, char** argv) {
  options o;
  std::set<std::string> given;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    std::string inline_value;
    bool has_inline = false;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      inline_value = std::string(flag.substr(eq + 1));
      flag = flag.substr(0, eq);
      has_inline = true;
    }
    const std::string name(flag);
    if (name == "--help" || name == "-h") {
      parse_outcome r;
      r.message = usage;
      return r;
    }
    if (name == "--smoke") { o.smoke = true; continue; }
    if (name == "--json") { o.json = true; continue; }
    if (name == "--compression") { o.compression = true; continue; }
    std::string value;
    if (has_inline) {
      value = inline_value;
    } else {
      if (i + 1 >= argc) return error(name + " needs a value");
      value = argv[++i];
    }
    given.insert(name);
    bool ok = true;
    if (name == "--target") ok = parse_endpoint(value, o.target);
    else if (name == "--redis") ok = parse_endpoint(value, o.redis);
    else if (name == "--workload") {
      auto w = parse_workload(value);
      ok = w.has_value();
      if (ok) o.kind = *w;
    } else if (name == "--sessions") ok = parse_number(value, o.sessions) && o.sessions > 0;
    else if (name == "--customers") ok = parse_number(value, o.customers) && o.customers > 0;
    else if (name == "--rate") ok = parse_number(value, o.rate) && o.rate > 0;
    else if (name == "--duration") ok = parse_number(value, o.duration_s) && o.duration_s >= 0;
    else if (name == "--event-bytes") ok = parse_number(value, o.event_bytes);
    else if (name == "--sources") ok = parse_number(value, o.sources) && o.sources >= 1 && o.sources <= 250;
    else if (name == "--prefix") o.prefix = value;
    else if (name == "--threads") ok = parse_number(value, o.threads) && o.threads >= 1 && o.threads <= 64;
    else if (name == "--concurrency") ok = parse_number(value, o.concurrency) && o.concurrency >= 1;
    else if (name == "--connect-timeout") ok = parse_number(value, o.connect_timeout_s) && o.connect_timeout_s > 0;
    else if (name == "--drain") ok = parse_number(value, o.drain_s) && o.drain_s >= 0;
    else if (name == "--interval") ok = parse_number(value, o.interval_s) && o.interval_s > 0;
    else if (name == "--server-pid") {
      // Repeatable, and also "--server-pid 1 2 3" and "--server-pid 1,2".
      auto take = [&](std::string_view list) {
        while (!list.empty()) {
          auto comma = list.find(',');
          int pid = 0;
          if (!parse_number(list.substr(0, comma), pid) || pid <= 0) return false;
          o.server_pids.push_back(pid);
          if (comma == std::string_view::npos) break;
          list.remove_prefix(comma + 1);
        }
        return true;
      };
      ok = take(value);
      while (ok && !has_inline && i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
        ok = take(argv[++i]);
    } else {
      return error("unknown option " + name);
    }
    if (!ok) return error("bad value for " + name + ": " + value);
  }
  if (o.smoke) {
    if (!given.contains("--sessions")) o.sessions = 200;
    if (!given.contains("--customers")) o.customers = 20;
    if (!given.contains("--rate")) o.rate = 200;
    if (!given.contains("--duration")) o.duration_s = 3;
    if (!given.contains("--drain")) o.drain_s = 5;
  }
  if (!given.contains("--target") && !o.smoke) return error("--target is required");
  if (!given.contains("--redis") && !o.smoke) return error("--redis is required");
  if (o.kind == workload::broadcast) o.customers = 1;
  if (o.customers > o.sessions) o.customers = o.sessions;
  parse_outcome r;
  r.value = std::move(o);
  return r;
}

}  // namespace txrt::bench
