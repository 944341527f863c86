#include "bridge/redis_bus.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "bridge/channels.hpp"

namespace txrt::bridge {

namespace {

redis_options options_for(redis_endpoint endpoint, std::string name) {
  redis_options o;
  o.endpoint = std::move(endpoint);
  o.name = std::move(name);
  return o;
}

}  // namespace

redis_bus::redis_bus(net::io_context& bus_loop, redis_endpoint endpoint, std::string prefix)
    : loop_(bus_loop),
      pattern_(event_pattern(prefix)),
      event_prefix_(pattern_.substr(0, pattern_.size() - 1)),
      subscriber_(redis_connection::create(bus_loop, options_for(endpoint, "bus-subscriber"))),
      publisher_(redis_connection::create(bus_loop, options_for(endpoint, "commands"))),
      failures_(std::make_shared<std::atomic<std::uint64_t>>(0)) {}

redis_bus::~redis_bus() {
  // The connections' callbacks capture `this`: silence them before it goes away.
  subscriber_->close();
  publisher_->close();
}

void redis_bus::start(event_sink on_event, ready_sink on_ready) {
  on_event_ = std::move(on_event);
  on_ready_ = std::move(on_ready);
  subscriber_->on_message([this](std::string_view channel, std::string_view payload) {
    // The pattern already selects event channels; the check guards against a prefix that
    // contains glob characters.
    if (channel.starts_with(event_prefix_) && on_event_) on_event_(channel, payload);
  });
  subscriber_->on_subscription([this](std::string_view name, bool pattern, bool active) {
    if (pattern && name == pattern_) set_ready(active);
  });
  subscriber_->on_state([this](bool connected) {
    if (!connected) set_ready(false);
  });
  subscriber_->psubscribe(pattern_);
  subscriber_->start();
  publisher_->start();
}

void redis_bus::publish(std::string channel, std::string payload) {
  // Captures the connection, not the bus: a publish posted just before stop() finds a closed
  // connection, which ignores it.
  net::post(loop_, [publisher = publisher_, failures = failures_, channel = std::move(channel),
                    payload = std::move(payload)]() mutable {
    publisher->command({"PUBLISH", std::move(channel), std::move(payload)},
                       [failures](redis_reply r) {
                         if (r.ok()) return;
                         if (failures->fetch_add(1) == 0)
                           spdlog::warn("bus: publish failed ({}); further failures are counted",
                                        r.str);
                       });
  });
}

void redis_bus::stop() {
  subscriber_->close();
  publisher_->close();
  ready_.store(false, std::memory_order_release);
}

void redis_bus::set_ready(bool ready) {
  if (ready_.exchange(ready, std::memory_order_acq_rel) == ready) return;
  spdlog::info("bus: redis {}", ready ? "ready" : "not ready");
  if (on_ready_) on_ready_(ready);
}

}  // namespace txrt::bridge
