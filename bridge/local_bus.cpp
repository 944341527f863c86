#include "bridge/local_bus.hpp"

#include <chrono>

#include <boost/asio/post.hpp>

#include "bridge/channels.hpp"

namespace txrt::bridge {

local_bus::local_bus(boost::asio::io_context& bus_loop, std::string prefix)
    : loop_(bus_loop), state_(std::make_shared<state>()) {
  const std::string pattern = event_pattern(prefix);  // "<prefix>event:*"
  state_->event_prefix = pattern.substr(0, pattern.size() - 1);
}

local_bus::~local_bus() {
  state_->stopped = true;
}

void local_bus::start(event_sink on_event, ready_sink on_ready, message_sink on_message) {
  // The sinks are installed on the loop, ahead of any publish posted after start().
  boost::asio::post(loop_,
                    [st = state_, on_event = std::move(on_event), on_ready = std::move(on_ready),
                     on_message = std::move(on_message), on_stream = on_stream_]() mutable {
                      if (st->stopped) return;
                      st->on_event = std::move(on_event);
                      st->on_ready = std::move(on_ready);
                      st->on_message = std::move(on_message);
                      st->on_stream = std::move(on_stream);
                      const auto now = std::chrono::system_clock::now().time_since_epoch();
                      st->position = {static_cast<std::uint64_t>(
                                          std::chrono::duration_cast<std::chrono::milliseconds>(now)
                                              .count()),
                                      0};
                      if (st->on_stream) st->on_stream(st->position);
                      if (st->on_ready) st->on_ready(true);
                    });
}

long local_bus::state::deliver(const std::string& channel, const std::string& payload) {
  long receivers = 0;
  if (std::string_view(channel).starts_with(event_prefix)) {
    receivers = 1;
    ++position.index;
    if (on_event) on_event(channel, payload, position);
  }
  // Looked up after on_event, which may have changed the subscriptions (as with Redis, where
  // the two copies of such a message arrive one after the other).
  if (!stopped && channels.contains(channel)) {
    receivers = 1;
    if (on_message) on_message(channel, payload);
  }
  return receivers;
}

void local_bus::publish(std::string channel, std::string payload) {
  boost::asio::post(loop_,
                    [st = state_, channel = std::move(channel), payload = std::move(payload)] {
                      if (!st->stopped) st->deliver(channel, payload);
                    });
}

void local_bus::publish_counted(std::string channel, std::string payload, publish_callback done) {
  boost::asio::post(loop_, [st = state_, channel = std::move(channel), payload = std::move(payload),
                            done = std::move(done)] {
    if (st->stopped) return;
    const long receivers = st->deliver(channel, payload);
    if (done && !st->stopped) done(receivers);
  });
}

void local_bus::subscribe(std::string channel) {
  boost::asio::post(loop_, [st = state_, channel = std::move(channel)]() mutable {
    st->channels.insert(std::move(channel));
  });
}

void local_bus::unsubscribe(std::string channel) {
  boost::asio::post(loop_,
                    [st = state_, channel = std::move(channel)] { st->channels.erase(channel); });
}

void local_bus::stop() {
  state_->stopped = true;
}

}  // namespace txrt::bridge
