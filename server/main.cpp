// txrt: the Telecom X realtime server.
#include <exception>
#include <iostream>

#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "server/runtime.hpp"
#include "server/telecomx/app.hpp"

extern char** environ;

int main(int argc, char** argv) {
  auto outcome = txrt::config::parse(argc, argv, environ, "txrt");
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.message;
    return outcome.exit_code;
  }
  const auto& cfg = *outcome.config;
  txrt::server::setup_logging(cfg);
  try {
    txrt::server::runtime rt(cfg);
    txrt::telecomx::app app(cfg, rt);
    app.start();
    return rt.run();
  } catch (const std::exception& e) {
    // Bad configuration fails fast, at start-up, with the key in the message.
    spdlog::critical("{}", e.what());
    return 2;
  }
}
