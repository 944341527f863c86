#include "bridge/redis_bus.hpp"

#include <charconv>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

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
  o.tls = target.tls;
  return redis_sentinel::create(loop, std::move(o));
}

// A connection on `loop` to the target; with sentinels, one that follows the master (`loop` may
// be another loop than the sentinel's).
std::shared_ptr<redis_connection> connection_for(net::io_context& loop, const redis_target& target,
                                                 const std::shared_ptr<redis_sentinel>& sentinel,
                                                 std::string name) {
  if (!sentinel) {
    redis_options o;
    o.endpoint = target.endpoint;
    o.tls = target.tls;
    o.name = std::move(name);
    return redis_connection::create(loop, std::move(o));
  }
  auto conn = redis_connection::create(loop, sentinel->master_options_on(loop, std::move(name)));
  sentinel->follow(conn);
  return conn;
}

// "commands" on the bus loop, "commands-1", "commands-2"... on the others.
std::shared_ptr<redis_command_pool> pool_for(net::io_context& bus_loop,
                                             const std::shared_ptr<redis_connection>& on_bus_loop,
                                             const std::vector<net::io_context*>& others,
                                             const redis_target& target,
                                             const std::shared_ptr<redis_sentinel>& sentinel) {
  std::vector<std::shared_ptr<redis_connection>> per_loop{on_bus_loop};
  for (auto* loop : others) {
    if (loop == &bus_loop) continue;
    per_loop.push_back(
        connection_for(*loop, target, sentinel, "commands-" + std::to_string(per_loop.size())));
  }
  return std::make_shared<redis_command_pool>(std::move(per_loop));
}

redis_endpoint endpoint_from(const std::string& url) {
  std::string error;
  auto endpoint = parse_redis_url(url, &error);
  if (!endpoint) throw std::invalid_argument("redis: " + error);
  return std::move(*endpoint);
}

// KEYS[1] the epoch counter, ARGV[1] the marker channel, ARGV[2] the counter's TTL in ms.
// A marker's number: the Redis clock in milliseconds, or one more than the last marker's when the
// clock has not moved past it; one script, so numbering and publishing cannot interleave with
// another node's.
constexpr const char* marker_script = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local n = string.format('%.0f', math.max(now, last + 1))
redis.call('SET', KEYS[1], n, 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[1], n)
return n
)";
constexpr const char* epoch_key_ttl_ms = "86400000";
constexpr unsigned marker_attempts = 3;

}  // namespace

redis_bus::redis_bus(net::io_context& bus_loop, redis_target target, std::string prefix,
                     const std::vector<net::io_context*>& command_loops)
    : loop_(bus_loop),
      state_(std::make_shared<state>()),
      sentinel_(sentinel_for(bus_loop, target)),
      subscriber_(connection_for(bus_loop, target, sentinel_, "bus-subscriber")),
      publisher_(connection_for(bus_loop, target, sentinel_, "commands")),
      pool_(pool_for(bus_loop, publisher_, command_loops, target, sentinel_)) {
  state_->pattern = event_pattern(prefix);
  state_->event_prefix = state_->pattern.substr(0, state_->pattern.size() - 1);
  state_->marker_channel = recovery_marker_channel(prefix);
  state_->epoch_key = recovery_epoch_key(prefix);
  state_->commands_down = static_cast<unsigned>(pool_->all().size());
}

redis_bus::redis_bus(net::io_context& bus_loop, redis_endpoint endpoint, std::string prefix)
    : redis_bus(bus_loop, redis_target{std::move(endpoint), {}, {}, {}}, std::move(prefix)) {}

redis_bus::redis_bus(net::io_context& bus_loop, const std::string& url, std::string prefix)
    : redis_bus(bus_loop, endpoint_from(url), std::move(prefix)) {}

redis_bus::~redis_bus() {
  state_->stopped = true;
  close_on_loop(subscriber_);
  pool_->close();  // the publisher among them
  if (sentinel_) net::post(loop_, [sentinel = sentinel_] { sentinel->close(); });
}

void redis_bus::start(event_sink on_event, ready_sink on_ready, message_sink on_message) {
  state_->on_event = std::move(on_event);
  state_->on_ready = std::move(on_ready);
  state_->on_message = std::move(on_message);
  state_->on_stream = on_stream_;
  // A message on a subscribe()d channel goes to the sink only while the channel is still in
  // the subscriber's set: one still in flight after unsubscribe() is not delivered. The set is
  // the subscriber's own (the one it replays on reconnect), not a second copy here. A raw
  // pointer: only the subscriber calls this callback, which it owns.
  subscriber_->on_message([st = state_, subscriber = subscriber_.get()](
                              std::string_view channel, std::string_view payload,
                              std::string_view pattern) {
    if (st->stopped) return;
    if (pattern.empty()) {
      if (channel == st->marker_channel) return st->on_marker(payload);
      if (st->on_message && subscriber->subscribed(channel)) st->on_message(channel, payload);
    } else if (pattern == st->pattern && channel.starts_with(st->event_prefix)) {
      // The prefix check guards against a prefix that contains glob characters.
      if (st->position.known()) ++st->position.index;
      if (st->on_event) st->on_event(channel, payload, st->position);
    }
  });
  subscriber_->on_subscription([st = state_, weak = std::weak_ptr<redis_connection>(publisher_)](
                                   std::string_view name, bool pattern, bool active) {
    const bool was_joined = st->pattern_active && st->marker_active;
    if (pattern && name == st->pattern) st->pattern_active = active;
    else if (!pattern && name == st->marker_channel) st->marker_active = active;
    else return;
    if (!active) {
      st->stream_broke();
      st->set_ready(false);
    } else if (!was_joined && st->pattern_active && st->marker_active) {
      st->marker_failures = 0;
      if (auto publisher = weak.lock()) publish_marker(st, publisher);
    }
  });
  subscriber_->on_state([st = state_](bool connected) {
    if (connected) return;
    st->pattern_active = st->marker_active = false;
    st->stream_broke();
    st->set_ready(false);
  });
  // The marker goes out on the command connection, which may come back after the subscriber:
  // then it goes out as soon as that connection is up.
  // Weak: a connection that held itself through its own callback would never be freed.
  publisher_->on_state([st = state_, weak = std::weak_ptr<redis_connection>(publisher_)](
                           bool connected) {
    st->count_command_state(connected);
    auto publisher = weak.lock();
    if (publisher && connected && !st->stopped && st->pattern_active && st->marker_active &&
        !st->position.known()) {
      st->marker_failures = 0;
      publish_marker(st, publisher);
    }
  });
  // Every command connection counts towards ready(); set before they start (on their loops).
  for (std::size_t i = 1; i < pool_->all().size(); ++i)
    pool_->all()[i]->on_state([st = state_](bool connected) { st->count_command_state(connected); });
  subscriber_->psubscribe(state_->pattern);
  subscriber_->subscribe(state_->marker_channel);
  if (sentinel_) sentinel_->start();
  subscriber_->start();
  pool_->start();
}

void redis_bus::publish(std::string channel, std::string payload) {
  // On the calling loop's connection: a publish issued just before stop() finds a closed
  // connection, which ignores it.
  pool_->command({"PUBLISH", std::move(channel), std::move(payload)}, [st = state_](redis_reply r) {
    if (!r.ok()) st->count_failure(r);
  });
}

void redis_bus::publish_counted(std::string channel, std::string payload, publish_callback done) {
  // `done` runs on the bus loop (bus.hpp): a reply answered on another loop is handed over.
  const bool hand_over = !pool_->answers_on_bus_loop();
  pool_->command({"PUBLISH", std::move(channel), std::move(payload)},
                 [st = state_, done = std::move(done), hand_over, loop = &loop_](redis_reply r) mutable {
                   const bool counted = r.type == redis_reply::kind::integer;
                   if (!counted) st->count_failure(r);
                   if (!done) return;
                   const long receivers = counted ? static_cast<long>(r.integer) : -1;
                   if (!hand_over) {
                     if (!st->stopped) done(receivers);
                     return;
                   }
                   net::post(*loop, [st, done = std::move(done), receivers] {
                     if (!st->stopped) done(receivers);
                   });
                 });
}

void redis_bus::subscribe(std::string channel) {
  net::post(loop_, [subscriber = subscriber_, st = state_, channel = std::move(channel)] {
    if (st->stopped) return;
    subscriber->subscribe(channel);
  });
}

void redis_bus::unsubscribe(std::string channel) {
  net::post(loop_, [subscriber = subscriber_, st = state_, channel = std::move(channel)] {
    if (st->stopped) return;
    subscriber->unsubscribe(channel);
  });
}

void redis_bus::stop() {
  state_->stopped = true;
  state_->ready.store(false, std::memory_order_release);
  subscriber_->close();
  publisher_->close();
  pool_->close();  // the other loops' connections, each on its own loop
  if (sentinel_) sentinel_->close();
}

void redis_bus::publish_marker(const std::shared_ptr<state>& st,
                               const std::shared_ptr<redis_connection>& publisher) {
  // The callbacks hold the connection weakly: its own pending command must not keep it alive.
  publisher->command(
      {"EVAL", marker_script, "1", st->epoch_key, st->marker_channel, epoch_key_ttl_ms},
      [st, weak = std::weak_ptr<redis_connection>(publisher)](redis_reply r) {
        if (st->stopped || !(st->pattern_active && st->marker_active)) return;
        if (r.ok()) return;  // ready once the marker comes back through the subscriber
        auto publisher = weak.lock();
        if (!publisher) return;
        if (++st->marker_failures < marker_attempts) {
          auto timer = std::make_shared<net::steady_timer>(publisher->get_executor(),
                                                           std::chrono::milliseconds(500));
          timer->async_wait([st, weak, timer](boost::system::error_code ec) {
            auto again = weak.lock();
            if (!ec && again && !st->stopped && st->pattern_active && st->marker_active)
              publish_marker(st, again);
          });
          return;
        }
        // Serve without positions rather than not at all: events carry the unknown offset
        // until a marker (another node's, or ours after a reconnect) arrives.
        spdlog::error("bus: cannot publish a recovery marker ({}); connection state recovery "
                      "is unavailable on this node until one arrives",
                      r.str.empty() ? "unexpected reply" : r.str);
        st->set_ready(true);
      });
}

void redis_bus::state::on_marker(std::string_view payload) {
  std::uint64_t epoch = 0;
  const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), epoch);
  if (ec != std::errc() || end != payload.data() + payload.size() || epoch == 0) {
    spdlog::warn("bus: ignored a malformed recovery marker");
    return;
  }
  if (!(pattern_active && marker_active)) return;  // not joined: positions cannot be trusted
  // A number not above the current one would make positions run backwards (someone else wrote
  // to the marker channel): forget every earlier position and start again from this one.
  if (position.known() && epoch <= position.epoch) {
    spdlog::warn("bus: a recovery marker out of order ({} after {})", epoch, position.epoch);
    stream_broke();
  }
  position = {epoch, 0};
  if (on_stream) on_stream(position);
  set_ready(true);
}

void redis_bus::state::stream_broke() {
  const bool was_known = position.known();
  position = {};
  if (was_known && on_stream) on_stream(position);
}

void redis_bus::state::count_command_state(bool connected) {
  if (connected) commands_down.fetch_sub(1, std::memory_order_acq_rel);
  else commands_down.fetch_add(1, std::memory_order_acq_rel);
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
