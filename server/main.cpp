// txrt: the Telecom X realtime server.
#include <iostream>

#include "config/config.hpp"
#include "server/runtime.hpp"
#include "server/socketio/connection.hpp"

extern char** environ;

namespace {

// Until the Telecom X application is built (authenticate / subscribe / fan-out), the main
// namespace accepts connections and ignores events.
class bare_namespace : public txrt::sio::namespace_handler {
 public:
  void on_connect(const std::shared_ptr<txrt::sio::socket>&, std::string_view) override {}
  void on_event(const std::shared_ptr<txrt::sio::socket>&, const txrt::sio::event&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  auto outcome = txrt::config::parse(argc, argv, environ, "txrt");
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.message << '\n';
    return outcome.exit_code;
  }
  const auto& cfg = *outcome.config;
  txrt::server::setup_logging(cfg);
  txrt::server::runtime rt(cfg);

  static txrt::sio::namespaces spaces;
  spaces.by_name["/"] = std::make_shared<bare_namespace>();
  spaces.connect_timeout = std::chrono::milliseconds(cfg.connect_timeout_ms);
  rt.add_engine("/socket.io/", txrt::sio::make_connection_factory(spaces), rt.engine_options());
  return rt.run();
}
