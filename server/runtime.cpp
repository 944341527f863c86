#include "server/runtime.hpp"

#include <functional>
#include <stdexcept>
#include <thread>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "server/engine/live_count.hpp"
#include "server/engine/send_ring.hpp"
#include "server/listener.hpp"

namespace txrt::server {

namespace {
unsigned thread_count(const config::settings& cfg) {
  if (cfg.threads > 0) return cfg.threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}
}  // namespace

runtime::runtime(const config::settings& cfg)
    : cfg_(cfg),
      connections_({cfg.max_connections, cfg.max_connections_per_ip}),
      loops_(thread_count(cfg)) {
  std::string why;
  auto proxies = protocol::address_ranges::parse(cfg.trusted_proxies, &why);
  // Bad configuration fails fast, at start-up, naming the key.
  if (!proxies) throw std::runtime_error("trusted-proxies: " + why);
  trusted_proxies_ = std::move(*proxies);
  routes_.trusted_proxies = trusted_proxies_;
  // Before any loop writes (each loop makes its ring on its first write batch).
  engine::send_ring::configure(cfg.io_uring);
  routes_.max_body = cfg.max_payload;
  routes_.header_timeout = std::chrono::milliseconds(cfg.header_timeout_ms);
  routes_.cors = std::make_shared<http::cors_policy>(cfg.cors_origins, cfg.cors_credentials);
  const std::string dist =
      cfg.client_dist_dir.empty() ? config::default_client_dist_dir() : cfg.client_dist_dir;
  auto bundle = std::make_shared<http::client_bundle>(dist);
  if (bundle->loaded_count() == 0)
    spdlog::warn("socket.io client bundle not found in {}: /socket.io/socket.io.js is 404", dist);
  routes_.bundle = std::move(bundle);
  routes_.handlers["/health"] = [](const http::request& req) {
    return http::make_response(req, 200, "{\"status\":\"ok\"}", "application/json");
  };
  if (cfg.tls_cert.empty() != cfg.tls_key.empty())
    throw std::runtime_error(tls::check_files(cfg.tls_cert, cfg.tls_key));
  if (!cfg.tls_cert.empty()) {
    // Throws (exit 2) when the files do not load; on SIGHUP a bad file keeps the old ones.
    tls_ = std::make_shared<tls::certificates>(cfg.tls_cert, cfg.tls_key);
    on_reload([tls = tls_] {
      if (auto why = tls->reload(); !why.empty())
        spdlog::error("TLS certificate not reloaded, keeping the previous one: {}", why);
      else
        spdlog::info("TLS certificate {} reloaded (for new connections)", tls->cert_file());
    });
  }
}

runtime::~runtime() = default;

engine::engine_options runtime::engine_options() const {
  engine::engine_options o;
  o.ping_interval = std::chrono::milliseconds(cfg_.ping_interval_ms);
  o.ping_timeout = std::chrono::milliseconds(cfg_.ping_timeout_ms);
  o.max_payload = cfg_.max_payload;
  o.allow_eio3 = cfg_.allow_eio3;
  o.send_queue_bytes = cfg_.send_queue_bytes;
  if (!cfg_.node_id.empty()) o.sid_prefix = cfg_.node_id + "_";
  o.trusted_proxies = trusted_proxies_;
  o.compression = {cfg_.compression, cfg_.compression_threshold};
  return o;
}

engine::engine_server& runtime::add_engine(const std::string& path,
                                           engine::handler_factory factory,
                                           engine::engine_options options) {
  engines_.push_back(std::make_unique<engine::engine_server>(
      loops_, options, std::move(factory), &session_limit_));
  routes_.engines.push_back({path, engines_.back().get()});
  return *engines_.back();
}

int runtime::run() {
  std::shared_ptr<listener> l;
  try {
    l = std::make_shared<listener>(loops_, parse_endpoint(cfg_.listen), routes_, &connections_,
                                   trusted_proxies_, tls_);
  } catch (const std::exception& e) {
    spdlog::critical("listen: cannot listen on {}: {}", cfg_.listen, e.what());
    return 1;
  }
  // The signals are ours before "listening" is logged: a supervisor (or a test) that sends
  // SIGHUP as soon as it reads that line must not hit SIGHUP's default action (exit).
  net::signal_set signals(loops_.loop(0), SIGINT, SIGTERM);
  net::signal_set reload(loops_.loop(0), SIGHUP);
  auto ep = l->local_endpoint();
  spdlog::info("listening on {}:{} ({} threads{})", ep.address().to_string(), ep.port(),
               loops_.size(), tls_ ? ", TLS" : "");
  l->start();

  // Shutdown: stop accepting, close every session (clients see a clean close), then wait on
  // loop 0 until every session and closing WebSocket is gone (engine::live_engine_objects),
  // bounded by shutdown-timeout-ms, and stop the loops (idle keep-alive connections would
  // otherwise hold them).
  using clock = std::chrono::steady_clock;
  net::steady_timer poll(loops_.loop(0));
  bool shutting_down = false;
  clock::time_point deadline;
  std::function<void()> check_gone = [&] {
    const std::size_t left = engine::live_engine_objects.load(std::memory_order_relaxed);
    if (left > 0 && clock::now() < deadline) {
      poll.expires_after(std::chrono::milliseconds(20));
      return poll.async_wait([&](boost::system::error_code ec) {
        if (!ec) check_gone();
      });
    }
    if (left > 0)
      spdlog::warn("shutdown: {} sessions still open after {} ms, stopping anyway", left,
                   cfg_.shutdown_timeout_ms);
    // A short grace for answers already queued on plain HTTP connections (a long-polling GET
    // told of the close), then stop.
    poll.expires_after(std::chrono::milliseconds(50));
    poll.async_wait([this](boost::system::error_code) { loops_.stop(); });
  };
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int signo) {
    if (ec) return;
    if (shutting_down) {
      spdlog::warn("signal {} again: stopping now", signo);
      return loops_.stop();
    }
    shutting_down = true;
    spdlog::info("signal {}: shutting down (at most {} ms)", signo, cfg_.shutdown_timeout_ms);
    l->stop();
    for (auto& e : engines_)
      e->close_all_spread(engine::close_reason::shutdown,
                          std::chrono::milliseconds(cfg_.shutdown_spread_ms));
    deadline = clock::now() + std::chrono::milliseconds(cfg_.shutdown_timeout_ms);
    signals.async_wait(on_signal);
    // The close_all posts run first on loop 0; the first check comes after them.
    net::post(loops_.loop(0), [&] { check_gone(); });
  };
  signals.async_wait(on_signal);

  std::function<void(boost::system::error_code, int)> on_reload =
      [&](boost::system::error_code ec, int) {
        if (ec) return;
        spdlog::info("SIGHUP: reloading");
        for (auto& hook : reload_hooks_) {
          try {
            hook();
          } catch (const std::exception& e) {
            spdlog::error("reload: {}", e.what());
          }
        }
        reload.async_wait(on_reload);
      };
  reload.async_wait(on_reload);

  loops_.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace txrt::server
