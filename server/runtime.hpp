#pragma once
// Puts a server process together from its configuration: the loops, the Engine.IO endpoints,
// the HTTP routes and the listener; runs until SIGINT/SIGTERM, then shuts down cleanly
// (stop accepting, close every session, exit within the bound).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "protocol/forwarded.hpp"
#include "server/engine/engine_server.hpp"
#include "server/http/router.hpp"
#include "server/limits/connection_limiter.hpp"
#include "server/limits/session_limit.hpp"
#include "server/logging.hpp"
#include "server/loop_pool.hpp"
#include "server/tls/certificates.hpp"

namespace txrt::server {

class runtime {
 public:
  explicit runtime(const config::settings& cfg);
  ~runtime();

  loop_pool& loops() noexcept { return loops_; }
  http::router& routes() noexcept { return routes_; }
  engine::engine_options engine_options() const;

  // Adds an Engine.IO endpoint at `path` ("/socket.io/"); call before run(). Its sessions
  // count against max-connections / max-connections-per-ip.
  engine::engine_server& add_engine(const std::string& path, engine::handler_factory factory,
                                    engine::engine_options options);

  // Registers work for SIGHUP (reload the tokens file, the log level, ...). Hooks run in
  // registration order on loop 0; call before run().
  void on_reload(std::function<void()> hook) { reload_hooks_.push_back(std::move(hook)); }

  // Binds, logs "listening on <addr>:<port>", runs until a stop signal. Returns the exit code.
  // SIGTERM/SIGINT: stop accepting, close every session (reason shutdown), wait until they are
  // all gone or shutdown-timeout-ms passes, then stop the loops and return 0. A second signal
  // stops at once. SIGHUP runs the reload hooks (and re-reads tls-cert / tls-key first).
  int run();

 private:
  const config::settings& cfg_;
  // HTTP connections (at accept) and Engine.IO sessions (at the handshake) of this node.
  // Declared before the loops and engines, which hold slots until they are destroyed.
  limits::connection_limiter connections_;
  limits::session_limit session_limit_{connections_};  // every engine's session_admission
  loop_pool loops_;
  http::router routes_;
  protocol::address_ranges trusted_proxies_;  // parsed once from trusted-proxies
  std::vector<std::unique_ptr<engine::engine_server>> engines_;
  std::vector<std::function<void()>> reload_hooks_;
  std::shared_ptr<tls::certificates> tls_;  // tls-cert / tls-key; null = plain HTTP
};

}  // namespace txrt::server
