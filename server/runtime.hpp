#pragma once
// Puts a server process together from its configuration: the loops, the Engine.IO endpoints,
// the HTTP routes and the listener; runs until SIGINT/SIGTERM, then shuts down cleanly
// (stop accepting, close every session, exit within the bound).
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "server/engine/engine_server.hpp"
#include "server/http/router.hpp"
#include "server/loop_pool.hpp"

namespace txrt::server {

class runtime {
 public:
  explicit runtime(const config::Config& cfg);
  ~runtime();

  loop_pool& loops() noexcept { return loops_; }
  http::router& routes() noexcept { return routes_; }
  engine::engine_options engine_options() const;

  // Adds an Engine.IO endpoint at `path` ("/socket.io/"); call before run().
  engine::engine_server& add_engine(const std::string& path, engine::handler_factory factory,
                                    engine::engine_options options);

  // Binds, logs "listening on <addr>:<port>", runs until a stop signal. Returns the exit code.
  int run();

 private:
  const config::Config& cfg_;
  loop_pool loops_;
  http::router routes_;
  std::vector<std::unique_ptr<engine::engine_server>> engines_;
};

// Sets up spdlog (level from the configuration). Call once, first.
void setup_logging(const config::Config& cfg);

}  // namespace txrt::server
