// txrt-bench: the load generator for txrt (and for any Socket.IO server speaking the Telecom X
// contract with auth=redis). See bench/loadgen/options.cpp for the command line and
// controller.cpp for the phases of a run.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "bench/loadgen/controller.hpp"
#include "bench/loadgen/options.hpp"

namespace {
std::atomic<bool> stop_requested{false};
extern "C" void on_signal(int) { stop_requested.store(true); }
}  // namespace

int main(int argc, char** argv) {
  auto parsed = txrt::bench::parse_options(argc, argv);
  if (!parsed.value) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message;
    return parsed.exit_code;
  }
  const auto& o = *parsed.value;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  const auto r = txrt::bench::run(o, stop_requested);
  std::fputs(txrt::bench::to_text(r).c_str(), o.json ? stderr : stdout);
  if (o.json) std::printf("%s\n", txrt::bench::to_json(r).c_str());
  std::fflush(stdout);
  if (o.smoke) {
    std::fprintf(stderr, "txrt-bench: smoke %s\n", r.ok ? "passed" : "FAILED");
    return r.ok ? 0 : 1;
  }
  // Outside smoke runs a result is a result; only a run that could not start is an error.
  return r.sessions_ready == 0 && !r.errors.empty() ? 2 : 0;
}
