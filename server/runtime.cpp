#include "server/runtime.hpp"

#include <thread>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "server/listener.hpp"

namespace txrt::server {

namespace {
unsigned thread_count(const config::Config& cfg) {
  if (cfg.threads > 0) return cfg.threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}
}  // namespace

void setup_logging(const config::Config& cfg) {
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
}

runtime::runtime(const config::Config& cfg) : cfg_(cfg), loops_(thread_count(cfg)) {
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
  o.trusted_proxies = cfg_.trusted_proxies;
  return o;
}

engine::engine_server& runtime::add_engine(const std::string& path,
                                           engine::handler_factory factory,
                                           engine::engine_options options) {
  engines_.push_back(
      std::make_unique<engine::engine_server>(loops_, options, std::move(factory)));
  routes_.engines.push_back({path, engines_.back().get()});
  return *engines_.back();
}

int runtime::run() {
  std::shared_ptr<listener> l;
  try {
    l = std::make_shared<listener>(loops_, parse_endpoint(cfg_.listen), routes_);
  } catch (const std::exception& e) {
    spdlog::critical("listen: cannot listen on {}: {}", cfg_.listen, e.what());
    return 1;
  }
  auto ep = l->local_endpoint();
  spdlog::info("listening on {}:{} ({} threads)", ep.address().to_string(), ep.port(),
               loops_.size());
  l->start();

  // Shutdown: stop accepting, close every session (clients see a clean close), then let the
  // loops finish; a timer bounds the wait.
  net::signal_set signals(loops_.loop(0), SIGINT, SIGTERM);
  net::steady_timer deadline(loops_.loop(0));
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signo);
    l->stop();
    for (auto& e : engines_) e->close_all(engine::close_reason::shutdown);
    // The close packets and frames are queued at once; a short grace lets them reach the
    // clients before the loops stop (idle keep-alive connections would otherwise hold them).
    deadline.expires_after(std::chrono::milliseconds(300));
    deadline.async_wait([this](boost::system::error_code ec) {
      if (!ec) loops_.stop();
    });
  });
  loops_.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace txrt::server
