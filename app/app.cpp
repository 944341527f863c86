#include "app/app.hpp"

#include <unistd.h>

#include <algorithm>
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
#include "app/recovery_history.hpp"
#include "app/check_config.hpp"
#include "app/control_endpoint.hpp"
#include "app/publish_endpoint.hpp"
#include "app/telecomx_namespace.hpp"
#include "app/admin_hub.hpp"
#include "app/admin_namespace.hpp"

namespace txrt::telecomx {

namespace {

// Validated identities are cached briefly: a reconnecting client does not cost a round trip.
constexpr auto identity_cache_ttl = std::chrono::seconds(30);
constexpr std::size_t identity_cache_entries = 100000;
// Addresses whose authenticate attempts are tracked (auth-rate-per-ip) at most; an idle one is
// forgotten as soon as its budget is full again, so only a flood from more addresses than
// this reaches the bound (then the least recently seen is forgotten early). ~100 bytes each.
constexpr std::size_t auth_rate_addresses = 100000;

template <class T>
std::vector<T*> raw(const std::vector<std::unique_ptr<T>>& owned) {
  std::vector<T*> out;
  for (const auto& p : owned) out.push_back(p.get());
  return out;
}

std::string host_name() {
  char host[256] = {};
  return ::gethostname(host, sizeof host - 1) == 0 ? host : "txrt";
}

}  // namespace

app::app(const config::settings& cfg, server::runtime& rt) : cfg_(cfg), rt_(rt) {
  if (auto error = config::validate(cfg); !error.empty()) throw std::runtime_error(error);
  if (config::uses_demo_tokens(cfg) && !config::is_loopback_listen(cfg.listen))
    spdlog::warn(
        "listening on {} with the demo tokens file (allow-demo-tokens): anyone who "
        "reaches this port can log in, as ADMIN too",
        cfg.listen);
  server_name_ = cfg.server_name.empty() ? host_name() : cfg.server_name;
  if (uses_tokens_file(cfg)) {
    auto loaded = load_tokens(cfg);
    if (!loaded) throw std::runtime_error(loaded.error);
    spdlog::info("tokens file {}: {} tokens, {} customers", tokens_file_path(cfg),
                 loaded.store->token_count(), loaded.store->customer_count());
    tokens_ = loaded.store;
  }
  make_loop_indexes();
  make_bus_and_store();
  make_validator();
  make_directory();
  make_parts();
  register_admin();
  register_namespace();
  register_routes();
  if (cfg.demo_events) demo_ = std::make_unique<demo_events>(rt.loops().loop(0), *bus_, cfg.prefix);
  if (tokens_) reload_tokens_on_sighup();
}

void app::make_loop_indexes() {
  for (std::size_t i = 0; i < rt_.loops().size(); ++i) {
    indexes_.push_back(std::make_unique<rooms::room_index<client>>());
    employees_.push_back(std::make_unique<employee_index>());
  }
}

// One Redis command connection per loop serves the bus's PUBLISHes, the validator and the store,
// each command on the loop that issues it; the directory (cached, off the connect path) uses the
// bus loop's.
void app::make_bus_and_store() {
  auto& bus_loop = rt_.loops().loop(0);
  if (!config::uses_redis(cfg_)) {
    bus_ = std::make_unique<bridge::local_bus>(bus_loop, cfg_.prefix);
    store_ = std::make_unique<bridge::memory_kv_store>(bus_loop);
    return;
  }
  // One server or Sentinel (redis-sentinels): every Redis user below follows the master.
  std::vector<boost::asio::io_context*> loops;
  for (std::size_t i = 0; i < rt_.loops().size(); ++i) loops.push_back(&rt_.loops().loop(i));
  auto redis = std::make_unique<bridge::redis_bus>(bus_loop, bridge::redis_target_or_throw(cfg_),
                                                   cfg_.prefix, loops);
  redis_commands_ = redis->command_pool();
  bus_ = std::move(redis);
  store_ = std::make_unique<bridge::redis_kv_store>(
      redis_commands_, std::chrono::milliseconds(cfg_.validator_timeout_ms));
}

void app::make_validator() {
  const auto timeout = std::chrono::milliseconds(cfg_.validator_timeout_ms);
  if (cfg_.auth == "file") {
    validator_ = std::make_shared<auth::file_validator>(tokens_);
    return;
  }
  std::shared_ptr<auth::token_validator> inner;
  if (cfg_.auth == "redis")
    inner = std::make_shared<telecomx::redis_validator>(redis_commands_, cfg_.prefix, timeout);
  else
    inner = make_http_validator(cfg_, timeout);
  // The cache spares the validator the periodic re-validations, but never for longer than their
  // interval: a deleted session must be seen by the next one (SPEC §12).
  auto ttl = std::chrono::duration_cast<std::chrono::steady_clock::duration>(identity_cache_ttl);
  if (cfg_.revalidate_interval_ms != 0)
    ttl = std::min(ttl, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::milliseconds(cfg_.revalidate_interval_ms)));
  validator_ = std::make_shared<auth::cached_validator>(inner, ttl, identity_cache_entries);
}

void app::make_directory() {
  if (config::directory_kind(cfg_) == "redis")
    directory_ = std::make_shared<telecomx::redis_directory>(
        redis_commands_->primary(), cfg_.prefix,
        std::chrono::milliseconds(cfg_.validator_timeout_ms));
  else
    directory_ = std::make_shared<auth::file_directory>(tokens_);
}

void app::make_parts() {
  auto& loops = rt_.loops();
  auto directory = directory_;
  // A customer moved (CONFIG CUSTOMER_UPDATED/DELETED): the directory forgets its chain, then
  // every loop re-checks the subscriptions on it (SPEC §12). namespace_ is made later, and
  // outlives the loops' work as this app does.
  if (cfg_.recovery_window_ms != 0)
    history_ = std::make_unique<recovery_history>(
        cfg_.recovery_buffer_bytes, std::chrono::milliseconds(cfg_.recovery_window_ms));
  fanout_ = std::make_unique<fanout>(
      loops, cfg_.prefix, raw(indexes_),
      [this, directory](const std::string& customer) {
        directory->invalidate(customer);
        rt_.loops().post_to_each([this, customer](std::size_t i) {
          if (namespace_) namespace_->recheck_customer(i, customer);
        });
      },
      history_.get(), rt_.engine_options().compression);
  router_ = std::make_unique<request_router>(
      loops, cfg_.prefix, *bus_, *store_, directory_, raw(employees_),
      std::chrono::milliseconds(cfg_.request_ttl_ms),
      limits::rate_limit{cfg_.request_rate_per_socket, std::chrono::seconds(1)});
  lifecycle_ = std::make_unique<lifecycle>(*bus_, cfg_.prefix, server_name_);
  revocation_ = std::make_unique<revocation>(
      loops, raw(employees_), dynamic_cast<auth::cached_validator*>(validator_.get()),
      std::chrono::milliseconds(cfg_.recovery_window_ms) * 2);
}

void app::register_namespace() {
  namespace_deps deps;
  deps.loops = &rt_.loops();
  deps.validator = validator_;
  deps.directory = directory_;
  deps.indexes = raw(indexes_);
  deps.employees = raw(employees_);
  deps.router = router_.get();
  deps.observer = admin_hub_ ? static_cast<client_observer*>(admin_hub_.get()) : lifecycle_.get();
  deps.auth_timeout = std::chrono::milliseconds(cfg_.auth_timeout_ms);
  deps.auth_per_socket = {cfg_.auth_rate_per_socket, std::chrono::minutes(1)};
  if (cfg_.auth_rate_per_ip != 0)
    auth_per_address_ = std::make_shared<limits::address_rate_limiter>(
        limits::rate_limit{cfg_.auth_rate_per_ip, std::chrono::minutes(1)}, auth_rate_addresses);
  deps.auth_per_address = auth_per_address_;
  deps.max_subscriptions_per_socket = cfg_.max_subscriptions_per_socket;
  deps.subscribe_per_socket = {cfg_.subscribe_rate_per_socket, std::chrono::seconds(1)};
  deps.revalidate_interval = std::chrono::milliseconds(cfg_.revalidate_interval_ms);
  if (history_) {
    deps.recovery.window = std::chrono::milliseconds(cfg_.recovery_window_ms);
    deps.recovery.prefix = cfg_.prefix;
    deps.recovery.store = store_.get();
    deps.recovery.history = history_.get();
    deps.recovery.position_of_loop = [events = fanout_.get()](std::size_t loop) {
      return events->delivered_position(loop);
    };
    deps.recovery.validator = validator_;
    deps.recovery.loops = &rt_.loops();
    deps.recovery.store_executor = rt_.loops().loop(0).get_executor();  // the bus loop
    deps.recovery.revoked_recently = [revoked = revocation_.get()](std::string_view employee,
                                                                    std::string_view digest) {
      return revoked->revoked_recently(employee, digest);
    };
  }
  if (admin_hub_)
    deps.on_room_change = [hub = admin_hub_.get()](const client& c, const subscription& s,
                                                   bool joined) { hub->on_room_change(c, s, joined); };
  namespace_ = std::make_shared<telecomx_namespace>(std::move(deps));
  namespace_->start();
  if (admin_hub_)
    admin_hub_->set_room_control(
        {[ns = namespace_.get()](client& c, const subscription& s,
                                 std::function<void(std::string_view)> done) {
           ns->join_for_admin(c, s, std::move(done));
         },
         [ns = namespace_.get()](client& c, const subscription& s) {
           return ns->leave_for_admin(c, s);
         }});

  spaces_ = std::make_unique<sio::namespaces>();
  spaces_->by_name["/"] = namespace_;
  if (admin_hub_) spaces_->by_name["/admin"] = make_admin_namespace();
  spaces_->connect_timeout = std::chrono::milliseconds(cfg_.connect_timeout_ms);
  // One binary packet (text + attachments) is bounded like one message.
  spaces_->limits.max_binary_bytes = cfg_.max_payload;
  rt_.add_engine("/socket.io/", sio::make_connection_factory(*spaces_), rt_.engine_options());
}

void app::register_routes() {
  auto& routes = rt_.routes();
  bridge::bus* bus = bus_.get();
  routes.handlers["/ready"] = [bus](const http::request& req) {
    const bool ready = bus->ready();
    return http::make_response(req, ready ? 200 : 503,
                               ready ? "{\"ready\":true}" : "{\"ready\":false}",
                               "application/json");
  };
  routes.handlers["/events"] = make_publish_handler(cfg_.publish_secret, cfg_.prefix, *bus_);
  routes.handlers["/control"] = make_control_handler(cfg_.publish_secret, cfg_.prefix, *bus_);
  routes.handlers["/metrics"] = [](const http::request& req) {
    return http::make_response(req, 200, metrics::registry::global().render(),
                               "text/plain; version=0.0.4; charset=utf-8");
  };
  clients_endpoint_deps clients;
  clients.loops = &rt_.loops();
  clients.employees = raw(employees_);
  clients.indexes = raw(indexes_);
  clients.validator = validator_;
  clients.secret = cfg_.publish_secret;
  clients.auth_per_address = auth_per_address_;
  routes.async_handlers["/clients"] = make_clients_handler(std::move(clients));
  const std::string web = cfg_.web_dir.empty() ? config::default_web_dir() : cfg_.web_dir;
  if (http::add_static_files(routes, web,
                             {{"/", "index.html", "text/html; charset=UTF-8"},
                              {"/demo.js", "demo.js", "application/javascript"}}) == 0)
    spdlog::warn("demo page not found in {}", web);
  if (admin_hub_) add_admin_routes();
}

// SIGHUP: reload the tokens file; a file that does not load keeps the old one.
void app::reload_tokens_on_sighup() {
  auto file_validator = std::dynamic_pointer_cast<auth::file_validator>(validator_);
  auto file_directory = std::dynamic_pointer_cast<auth::file_directory>(directory_);
  rt_.on_reload([this, &cfg = cfg_, file_validator, file_directory] {
    auto loaded = load_tokens(cfg);
    if (!loaded) {
      spdlog::error("auth-file: not reloaded, keeping the previous tokens: {}",
                    loaded.error.substr(std::string_view("auth-file: ").size()));
      return;
    }
    if (file_validator) file_validator->replace(loaded.store);
    if (file_directory) file_directory->replace(loaded.store);
    spdlog::info("tokens file {} reloaded: {} tokens, {} customers", tokens_file_path(cfg),
                 loaded.store->token_count(), loaded.store->customer_count());
    // At once on the live sockets, not at the next interval (SPEC §12).
    if (file_validator)
      rt_.loops().post_to_each([this](std::size_t i) { namespace_->revalidate_now(i); });
  });
}

app::~app() = default;

void app::start() {
  boost::asio::post(rt_.loops().loop(0), [this] {
    const std::string control = bridge::control_channel(cfg_.prefix);
    if (history_)
      bus_->on_stream([this](telecomx::stream_offset start) {
        history_->on_stream(start);
        fanout_->on_stream(start);
      });
    bus_->start(
        [this](std::string_view channel, std::string_view payload,
               telecomx::stream_offset position) {
          fanout_->on_bus_message(channel, payload, position);
        },
        [](bool ready) { spdlog::info("bus {}", ready ? "ready" : "not ready"); },
        [this, control](std::string_view channel, std::string_view payload) {
          if (channel == control) return revocation_->on_control_message(payload);
          if (admin_hub_ && channel == admin_hub_->channel())
            return admin_hub_->on_bus_message(payload);
          if (router_->is_employee_channel(channel))
            return router_->on_employee_message(channel, payload);
        });
    bus_->subscribe(control);
    if (admin_hub_) {
      bus_->subscribe(admin_hub_->channel());
      admin_hub_->start();
    }
    if (demo_) demo_->start();
  });
}

}  // namespace txrt::telecomx
