#include "bridge/local_bus.hpp"

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

void local_bus::start(event_sink on_event, ready_sink on_ready) {
  // The sinks are installed on the loop, ahead of any publish posted after start().
  boost::asio::post(loop_, [st = state_, on_event = std::move(on_event),
                            on_ready = std::move(on_ready)]() mutable {
    if (st->stopped) return;
    st->on_event = std::move(on_event);
    st->on_ready = std::move(on_ready);
    if (st->on_ready) st->on_ready(true);
  });
}

void local_bus::publish(std::string channel, std::string payload) {
  boost::asio::post(loop_,
                    [st = state_, channel = std::move(channel), payload = std::move(payload)] {
                      if (st->stopped || !st->on_event) return;
                      if (std::string_view(channel).starts_with(st->event_prefix))
                        st->on_event(channel, payload);
                    });
}

void local_bus::stop() {
  state_->stopped = true;
}

}  // namespace txrt::bridge
