#pragma once
// txrt-bench's command line. Bad input stops the program before anything is opened.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace txrt::bench {

enum class workload { connect, idle, fanout, broadcast, soak };
const char* to_string(workload w) noexcept;

struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

struct options {
  endpoint target{"127.0.0.1", 3000};
  workload kind = workload::fanout;
  std::uint32_t sessions = 1000;
  std::uint32_t customers = 100;         // fanout/soak: channels; broadcast uses one
  double rate = 1000;                    // events per second published, all channels together
  double duration_s = 10;
  std::uint32_t event_bytes = 300;
  std::uint32_t sources = 1;             // client sockets bound to 127.0.0.1 .. 127.0.0.K
  endpoint redis{"127.0.0.1", 6379};
  std::string prefix = "rt:";
  std::vector<int> server_pids;
  bool smoke = false;
  bool json = false;
  bool compression = false;              // offer permessage-deflate; inflate what comes compressed
  std::uint32_t threads = 1;             // client event loops
  std::uint32_t concurrency = 256;       // handshakes in flight at once, per thread
  double connect_timeout_s = 60;         // the whole connect phase
  double drain_s = 3;                    // after the last publish, how long deliveries may lag
  double interval_s = 10;                // soak: one line per interval
};

struct parse_outcome {
  std::optional<options> value;
  std::string message;  // the error, or the usage text for --help
  int exit_code = 0;
};

parse_outcome parse_options(int argc, char** argv);

}  // namespace txrt::bench
