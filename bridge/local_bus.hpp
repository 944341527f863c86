#pragma once
// The built-in bus for single-node mode (no Redis configured): publish() posts to the bus
// loop, which hands event-channel messages straight to the event sink, in publish order.
// Always ready. Messages on other channels (control, employee) go nowhere: with a single node
// there is nobody else to tell.
#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "bridge/bus.hpp"

namespace txrt::bridge {

class local_bus final : public bus {
 public:
  local_bus(boost::asio::io_context& bus_loop, std::string prefix);
  ~local_bus() override;

  void start(event_sink on_event, ready_sink on_ready) override;
  void publish(std::string channel, std::string payload) override;
  bool ready() const noexcept override { return true; }
  void stop() override;

 private:
  // Shared with posted work, which may still be queued when the bus is destroyed.
  struct state {
    std::string event_prefix;
    event_sink on_event;
    ready_sink on_ready;
    std::atomic<bool> stopped{false};  // also set by the destructor, from any thread
  };

  boost::asio::io_context& loop_;
  std::shared_ptr<state> state_;
};

}  // namespace txrt::bridge
