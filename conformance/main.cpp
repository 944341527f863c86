// txrt-conformance: the server the official socket.io protocol test suites run against
// (shared/CONFORMANCE.md): /engine.io/ echoes, /socket.io/ serves "/" and "/custom".
// Defaults differ from txrt's where the suites require it: 127.0.0.1:3000, pingInterval 300 ms,
// pingTimeout 200 ms, connect timeout 1 s, one event loop; flags and TXRT_* variables still
// override them.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "conformance/handlers.hpp"
#include "server/runtime.hpp"
#include "server/socketio/connection.hpp"

extern char** environ;

namespace {

bool given(int argc, char** argv, const char* key, const char* env) {
  const std::string flag = std::string("--") + key;
  for (int i = 1; i < argc; ++i)
    if (argv[i] == flag || std::string(argv[i]).starts_with(flag + "=")) return true;
  return std::getenv(env) != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  // The suites' settings become defaults by adding them as flags unless the user set them.
  std::vector<const char*> args(argv, argv + argc);
  const struct {
    const char* key;
    const char* env;
    const char* value;
  } defaults[] = {
      {"listen", "TXRT_LISTEN", "127.0.0.1:3000"},
      {"ping-interval-ms", "TXRT_PING_INTERVAL_MS", "300"},
      {"ping-timeout-ms", "TXRT_PING_TIMEOUT_MS", "200"},
      {"connect-timeout-ms", "TXRT_CONNECT_TIMEOUT_MS", "1000"},
      // One loop, like the Node.js reference: the suites race requests of one session on
      // different connections (a GET and a close POST; an aborted GET and the next one) and
      // expect them handled in the order they were sent, which one loop's event order keeps
      // much better than two loops on a busy machine.
      {"threads", "TXRT_THREADS", "1"},
  };
  std::vector<std::string> storage;
  storage.reserve(8);
  for (const auto& d : defaults) {
    if (given(argc, argv, d.key, d.env)) continue;
    storage.push_back(std::string("--") + d.key);
    args.push_back(storage.back().c_str());
    args.push_back(d.value);
  }
  auto outcome = txrt::config::parse(static_cast<int>(args.size()), args.data(), environ,
                                     "txrt-conformance");
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.message;
    return outcome.exit_code;
  }
  const auto& cfg = *outcome.config;
  txrt::server::setup_logging(cfg);
  txrt::server::runtime rt(cfg);

  static txrt::sio::namespaces spaces;
  spaces.by_name["/"] = txrt::conformance::make_main_namespace();
  spaces.by_name["/custom"] = txrt::conformance::make_custom_namespace();
  spaces.by_name["/test"] = txrt::conformance::make_test_namespace();
  spaces.connect_timeout = std::chrono::milliseconds(cfg.connect_timeout_ms);
  spaces.limits.max_binary_bytes = cfg.max_payload;

  rt.add_engine("/engine.io/", txrt::conformance::make_echo_factory(), rt.engine_options());
  rt.add_engine("/socket.io/", txrt::sio::make_connection_factory(spaces), rt.engine_options());
  return rt.run();
}
