#include "bridge/redis_bus.hpp"

#include <stdexcept>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "bridge/channels.hpp"
#include "bridge/redis_sentinel.hpp"
#include "bridge/bridge_metrics.hpp"

namespace txrt::bridge {

namespace {

std::shared_ptr<redis_sentinel> sentinel_for(net::io_context& loop, redis_target& target) {
  if (!target.sentinel()) return nullptr;
  sentinel_options o;
  o.sentinels = std::move(target.sentinels);
  o.master_name = std::move(target.master_name);
  o.master = target.endpoint;
  return redis_sentinel::create(loop, std::move(o));
}

std::shared_ptr<redis_connection> connection_for(net::io_context& loop, const redis_target& target,
                                                 const std::shared_ptr<redis_sentinel>& sentinel,
                                                 std::string name) {
  if (!sentinel) {
    redis_options o;
    o.endpoint = target.endpoint;
    o.name = std::move(name);
    return redis_connection::create(loop, std::move(o));
  }
  auto conn = redis_connection::create(loop, sentinel->master_options(std::move(name)));
  sentinel->follow(conn);
  return conn;
}

redis_endpoint endpoint_from(const std::string& url) {
  std::string error;
  auto endpoint = parse_redis_url(url, &error);
  if (!endpoint) throw std::invalid_argument("redis: " + error);
  return std::move(*endpoint);
}

}  // namespace

redis_bus::redis_bus(net::io_context& bus_loop, redis_target target, std::string prefix)
    : loop_(bus_loop),
      state_(std::make_shared<state>()),
      sentinel_(sentinel_for(bus_loop, target)),
      subscriber_(connection_for(bus_loop, target, sentinel_, "bus-subscriber")),
      publisher_(connection_for(bus_loop, target, sentinel_, "commands")) {
  state_->pattern = event_pattern(prefix);
  state_->event_prefix = state_->pattern.substr(0, state_->pattern.size() - 1);
}

redis_bus::redis_bus(net::io_context& bus_loop, redis_endpoint endpoint, std::string prefix)
    : redis_bus(bus_loop, redis_target{std::move(endpoint), {}, {}}, std::move(prefix)) {}

redis_bus::redis_bus(net::io_context& bus_loop, const std::string& url, std::string prefix)
    : redis_bus(bus_loop, endpoint_from(url), std::move(prefix)) {}

redis_bus::~redis_bus() {
  state_->stopped = true;
  close_on_loop(subscriber_);
  close_on_loop(publisher_);
  if (sentinel_) net::post(loop_, [sentinel = sentinel_] { sentinel->close(); });
}

void redis_bus::start(event_sink on_event, ready_sink on_ready, message_sink on_message) {
  state_->on_event = std::move(on_event);
  state_->on_ready = std::move(on_ready);
  state_->on_message = std::move(on_message);
  subscriber_->on_message([st = state_](std::string_view channel, std::string_view payload,
                                        std::string_view pattern) {
    if (st->stopped) return;
    if (pattern.empty()) {
      if (st->on_message && st->channels.contains(channel)) st->on_message(channel, payload);
    } else if (pattern == st->pattern && channel.starts_with(st->event_prefix) && st->on_event) {
      // The prefix check guards against a prefix that contains glob characters.
      st->on_event(channel, payload);
    }
  });
  subscriber_->on_subscription([st = state_](std::string_view name, bool pattern, bool active) {
    if (pattern && name == st->pattern) st->set_ready(active);
  });
  subscriber_->on_state([st = state_](bool connected) {
    if (!connected) st->set_ready(false);
  });
  subscriber_->psubscribe(state_->pattern);
  if (sentinel_) sentinel_->start();
  subscriber_->start();
  publisher_->start();
}

void redis_bus::publish(std::string channel, std::string payload) {
  // Captures the connection, not the bus: a publish posted just before stop() finds a closed
  // connection, which ignores it.
  net::post(loop_, [publisher = publisher_, st = state_, channel = std::move(channel),
                    payload = std::move(payload)]() mutable {
    publisher->command({"PUBLISH", std::move(channel), std::move(payload)}, [st](redis_reply r) {
      if (!r.ok()) st->count_failure(r);
    });
  });
}

void redis_bus::publish_counted(std::string channel, std::string payload, publish_callback done) {
  net::post(loop_, [publisher = publisher_, st = state_, channel = std::move(channel),
                    payload = std::move(payload), done = std::move(done)]() mutable {
    publisher->command({"PUBLISH", std::move(channel), std::move(payload)},
                       [st, done = std::move(done)](redis_reply r) {
                         const bool counted = r.type == redis_reply::kind::integer;
                         if (!counted) st->count_failure(r);
                         if (done && !st->stopped)
                           done(counted ? static_cast<long>(r.integer) : -1);
                       });
  });
}

void redis_bus::subscribe(std::string channel) {
  net::post(loop_, [subscriber = subscriber_, st = state_, channel = std::move(channel)]() mutable {
    if (st->stopped) return;
    subscriber->subscribe(channel);
    st->channels.insert(std::move(channel));
  });
}

void redis_bus::unsubscribe(std::string channel) {
  net::post(loop_, [subscriber = subscriber_, st = state_, channel = std::move(channel)] {
    if (st->stopped) return;
    subscriber->unsubscribe(channel);
    st->channels.erase(channel);
  });
}

void redis_bus::stop() {
  state_->stopped = true;
  state_->ready.store(false, std::memory_order_release);
  subscriber_->close();
  publisher_->close();
  if (sentinel_) sentinel_->close();
}

void redis_bus::state::count_failure(const redis_reply& r) {
  if (failures.fetch_add(1) == 0)
    spdlog::warn("bus: publish failed ({}); further failures are counted",
                 r.str.empty() ? "unexpected reply" : r.str);
}

void redis_bus::state::set_ready(bool value) {
  if (stopped || ready.exchange(value, std::memory_order_acq_rel) == value) return;
  metrics::redis_connected.get().set(value ? 1 : 0);
  spdlog::info("bus: redis {}", value ? "ready" : "not ready");
  if (on_ready) on_ready(value);
}

}  // namespace txrt::bridge
