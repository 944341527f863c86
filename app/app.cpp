#include "app/app.hpp"

#include <unistd.h>

#include <stdexcept>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "auth/cached_validator.hpp"
#include "auth/file_directory.hpp"
#include "auth/file_store.hpp"
#include "auth/file_validator.hpp"
#include "bridge/local_bus.hpp"
#include "bridge/memory_kv_store.hpp"
#include "bridge/redis_kv_store.hpp"
#include "bridge/redis_bus.hpp"
#include "app/redis_directory.hpp"
#include "app/redis_validator.hpp"
#include "rooms/room_index.hpp"
#include "app/http_validator.hpp"
#include "server/http/static_files.hpp"
#include "metrics/registry.hpp"
#include "server/socketio/connection.hpp"
#include "bridge/channels.hpp"
#include "app/clients_endpoint.hpp"
#include "app/demo_events.hpp"
#include "app/employee_index.hpp"
#include "app/lifecycle.hpp"
#include "app/request_router.hpp"
#include "app/revocation.hpp"
#include "app/fanout.hpp"
#include "app/publish_endpoint.hpp"
#include "app/telecomx_namespace.hpp"

namespace txrt::telecomx {

namespace {

// Validated identities are cached briefly: a reconnecting client does not cost a round trip.
constexpr auto identity_cache_ttl = std::chrono::seconds(30);
constexpr std::size_t identity_cache_entries = 100000;
// Addresses whose authenticate attempts are tracked (auth-rate-per-ip) at most; an idle one is
// forgotten as soon as its budget is full again, so only a flood from more addresses than
// this reaches the bound (then the least recently seen is forgotten early). ~100 bytes each.
constexpr std::size_t auth_rate_addresses = 100000;

std::shared_ptr<const auth::file_store> load_store(const config::settings& cfg) {
  const std::string path = cfg.auth_file.empty() ? config::default_auth_file() : cfg.auth_file;
  auto loaded = auth::file_store::load(path);
  if (!loaded) throw std::runtime_error("auth-file: " + loaded.error);
  spdlog::info("tokens file {}: {} tokens, {} customers", path, loaded.store->token_count(),
               loaded.store->customer_count());
  return loaded.store;
}

}  // namespace

app::app(const config::settings& cfg, server::runtime& rt) : cfg_(cfg), rt_(rt) {
  auto& loops = rt.loops();
  std::vector<rooms::room_index<client>*> raw_indexes;
  std::vector<employee_index*> raw_employees;
  for (std::size_t i = 0; i < loops.size(); ++i) {
    indexes_.push_back(std::make_unique<rooms::room_index<client>>());
    raw_indexes.push_back(indexes_.back().get());
    employees_.push_back(std::make_unique<employee_index>());
    raw_employees.push_back(employees_.back().get());
  }
  server_name_ = cfg.server_name;
  if (server_name_.empty()) {
    char host[256] = {};
    server_name_ = ::gethostname(host, sizeof host - 1) == 0 ? host : "txrt";
  }

  const auto timeout = std::chrono::milliseconds(cfg.validator_timeout_ms);
  const std::string directory_kind =
      !cfg.directory.empty() ? cfg.directory : (cfg.auth == "redis" ? "redis" : "file");
  if ((cfg.auth == "redis" || directory_kind == "redis") && cfg.redis.empty())
    throw std::runtime_error("redis: required by auth=redis or directory=redis");
  std::shared_ptr<const auth::file_store> store;
  if (cfg.auth == "file" || directory_kind == "file") store = load_store(cfg);

  // One Redis command connection serves the bus's PUBLISHes, the validator and the directory.
  auto& bus_loop = loops.loop(0);
  std::shared_ptr<bridge::redis_connection> redis_commands;
  if (cfg.redis.empty()) {
    bus_ = std::make_unique<bridge::local_bus>(bus_loop, cfg.prefix);
    store_ = std::make_unique<bridge::memory_kv_store>(bus_loop);
  } else {
    auto redis = std::make_unique<bridge::redis_bus>(bus_loop, cfg.redis, cfg.prefix);
    redis_commands = redis->commands();
    bus_ = std::move(redis);
    store_ = std::make_unique<bridge::redis_kv_store>(redis_commands, timeout);
  }

  if (cfg.auth == "file") {
    validator_ = std::make_shared<auth::file_validator>(store);
  } else if (cfg.auth == "redis") {
    auto inner = std::make_shared<telecomx::redis_validator>(redis_commands, cfg.prefix, timeout);
    validator_ = std::make_shared<auth::cached_validator>(inner, identity_cache_ttl,
                                                          identity_cache_entries);
  } else {
    if (cfg.auth_url.empty()) throw std::runtime_error("auth-url: required by auth=http");
    std::shared_ptr<auth::token_validator> inner;
    try {
      inner = std::make_shared<telecomx::http_validator>(cfg.auth_url, timeout);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("auth-url: ") + e.what());
    }
    validator_ = std::make_shared<auth::cached_validator>(inner, identity_cache_ttl,
                                                          identity_cache_entries);
  }
  if (directory_kind == "redis")
    directory_ = std::make_shared<telecomx::redis_directory>(redis_commands, cfg.prefix, timeout);
  else
    directory_ = std::make_shared<auth::file_directory>(store);

  auto directory = directory_;
  fanout_ = std::make_unique<fanout>(loops, cfg.prefix, raw_indexes,
                                     [directory](const std::string& customer) {
                                       directory->invalidate(customer);
                                     });

  router_ = std::make_unique<request_router>(
      loops, cfg.prefix, *bus_, *store_, directory_, raw_employees, std::chrono::seconds(300),
      limits::rate_limit{cfg.request_rate_per_socket, std::chrono::seconds(1)});
  lifecycle_ = std::make_unique<lifecycle>(*bus_, cfg.prefix, server_name_);
  revocation_ = std::make_unique<revocation>(
      loops, raw_employees, dynamic_cast<auth::cached_validator*>(validator_.get()));

  namespace_deps deps;
  deps.loops = &loops;
  deps.validator = validator_;
  deps.directory = directory_;
  deps.indexes = raw_indexes;
  deps.employees = raw_employees;
  deps.router = router_.get();
  deps.observer = lifecycle_.get();
  deps.auth_timeout = std::chrono::milliseconds(cfg.auth_timeout_ms);
  deps.auth_per_socket = {cfg.auth_rate_per_socket, std::chrono::minutes(1)};
  if (cfg.auth_rate_per_ip != 0)
    deps.auth_per_address = std::make_shared<limits::address_rate_limiter>(
        limits::rate_limit{cfg.auth_rate_per_ip, std::chrono::minutes(1)},
        auth_rate_addresses);
  namespace_ = std::make_shared<telecomx_namespace>(std::move(deps));

  spaces_ = std::make_unique<sio::namespaces>();
  spaces_->by_name["/"] = namespace_;
  spaces_->connect_timeout = std::chrono::milliseconds(cfg.connect_timeout_ms);
  // One binary packet (text + attachments) is bounded like one message.
  spaces_->limits.max_binary_bytes = cfg.max_payload;
  rt.add_engine("/socket.io/", sio::make_connection_factory(*spaces_), rt.engine_options());

  auto& routes = rt.routes();
  bridge::bus* bus = bus_.get();
  routes.handlers["/ready"] = [bus](const http::request& req) {
    const bool ready = bus->ready();
    return http::make_response(req, ready ? 200 : 503,
                               ready ? "{\"ready\":true}" : "{\"ready\":false}",
                               "application/json");
  };
  routes.handlers["/events"] = make_publish_handler(cfg.publish_secret, cfg.prefix, *bus_);
  routes.handlers["/metrics"] = [](const http::request& req) {
    return http::make_response(req, 200, metrics::registry::global().render(),
                               "text/plain; version=0.0.4; charset=utf-8");
  };
  clients_endpoint_deps clients;
  clients.loops = &loops;
  clients.employees = raw_employees;
  clients.indexes = raw_indexes;
  clients.validator = validator_;
  clients.secret = cfg.publish_secret;
  routes.async_handlers["/clients"] = make_clients_handler(std::move(clients));
  const std::string web = cfg.web_dir.empty() ? config::default_web_dir() : cfg.web_dir;
  if (http::add_static_files(routes, web,
                             {{"/", "index.html", "text/html; charset=UTF-8"},
                              {"/demo.js", "demo.js", "application/javascript"}}) == 0)
    spdlog::warn("demo page not found in {}", web);

  if (cfg.demo_events) demo_ = std::make_unique<demo_events>(bus_loop, *bus_, cfg.prefix);

  if (store) {
    // SIGHUP: reload the tokens file; a file that does not load keeps the old one.
    auto file_validator = std::dynamic_pointer_cast<auth::file_validator>(validator_);
    auto file_directory = std::dynamic_pointer_cast<auth::file_directory>(directory_);
    rt.on_reload([&cfg, file_validator, file_directory] {
      const std::string path =
          cfg.auth_file.empty() ? config::default_auth_file() : cfg.auth_file;
      auto loaded = auth::file_store::load(path);
      if (!loaded) {
        spdlog::error("auth-file: not reloaded, keeping the previous tokens: {}", loaded.error);
        return;
      }
      if (file_validator) file_validator->replace(loaded.store);
      if (file_directory) file_directory->replace(loaded.store);
      spdlog::info("tokens file {} reloaded: {} tokens, {} customers", path,
                   loaded.store->token_count(), loaded.store->customer_count());
    });
  }
}

app::~app() = default;

void app::start() {
  boost::asio::post(rt_.loops().loop(0), [this] {
    const std::string control = bridge::control_channel(cfg_.prefix);
    bus_->start(
        [this](std::string_view channel, std::string_view payload) {
          fanout_->on_bus_message(channel, payload);
        },
        [](bool ready) { spdlog::info("bus {}", ready ? "ready" : "not ready"); },
        [this, control](std::string_view channel, std::string_view payload) {
          if (channel == control) return revocation_->on_control_message(payload);
          if (router_->is_employee_channel(channel))
            return router_->on_employee_message(channel, payload);
        });
    bus_->subscribe(control);
    if (demo_) demo_->start();
  });
}

}  // namespace txrt::telecomx
