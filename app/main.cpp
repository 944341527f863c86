// txrt: the Telecom X realtime server.
#include <exception>
#include <iostream>

#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "server/logging.hpp"
#include "server/runtime.hpp"
#include "app/app.hpp"
#include "app/check_config.hpp"

extern char** environ;

int main(int argc, char** argv) {
  auto outcome = txrt::config::parse(argc, argv, environ, "txrt");
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.message;
    return outcome.exit_code;
  }
  const auto& cfg = *outcome.config;
  if (outcome.check_only) {
    const std::string error = txrt::telecomx::validate(cfg);
    if (!error.empty()) {
      std::cerr << "txrt: " << error << "\n";
      return 2;
    }
    std::cout << "configuration OK\n";
    return 0;
  }
  txrt::server::setup_logging(cfg);
  try {
    txrt::server::runtime rt(cfg);
    txrt::telecomx::app app(cfg, rt);
    // SIGHUP: the log level, as the configuration says now (the --config file re-read; flags
    // and the environment are those of the start). A configuration that no longer parses
    // keeps the current level.
    rt.on_reload([argc, argv] {
      auto again = txrt::config::parse(argc, argv, environ, "txrt");
      if (!again.config) {
        spdlog::error("configuration not reloaded: {}",
                      again.message.substr(0, again.message.find('\n')));
        return;
      }
      txrt::server::apply_log_level(again.config->log_level);
    });
    app.start();
    return rt.run();
  } catch (const std::exception& e) {
    // Bad configuration fails fast, at start-up, with the key in the message.
    spdlog::critical("{}", e.what());
    return 2;
  }
}
