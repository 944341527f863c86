#pragma once
// The built-in bus for single-node mode (no Redis configured): every call posts to the bus loop,
// which hands the message straight to the sinks, in publish order. Always ready.
//
// Routing mirrors what Redis would do for a node that PSUBSCRIBEs "<prefix>event:*" and
// SUBSCRIBEs the channels added with subscribe(): an event channel goes to the event sink, a
// subscribed channel to the message sink (an event channel that is also subscribed: both), any
// other channel nowhere (with a single node there is nobody else to tell). publish_counted()
// reports 1 when the message reached this node that way, else 0.
//
// The stream (SPEC §11): one marker at start, numbered by the wall clock in milliseconds (so a
// restarted node never reuses an earlier process's positions), then every event counted.
#include <atomic>
#include <memory>
#include <string>
#include <unordered_set>

#include <boost/asio/io_context.hpp>

#include "bridge/bus.hpp"

namespace txrt::bridge {

class local_bus final : public bus {
 public:
  local_bus(boost::asio::io_context& bus_loop, std::string prefix);
  ~local_bus() override;

  void start(event_sink on_event, ready_sink on_ready, message_sink on_message) override;
  void publish(std::string channel, std::string payload) override;
  void publish_counted(std::string channel, std::string payload, publish_callback done) override;
  void subscribe(std::string channel) override;
  void unsubscribe(std::string channel) override;
  bool ready() const noexcept override { return true; }
  void stop() override;

 private:
  // Shared with posted work, which may still be queued when the bus is destroyed. Everything
  // but `stopped` is touched on the bus loop only.
  struct state {
    std::string event_prefix;
    event_sink on_event;
    ready_sink on_ready;
    message_sink on_message;
    stream_sink on_stream;
    telecomx::stream_offset position;  // of the last event-channel message
    std::unordered_set<std::string> channels;  // subscribe()d
    std::atomic<bool> stopped{false};          // also set by the destructor, from any thread
    // Delivers; returns how many "nodes" received it (0 or 1).
    long deliver(const std::string& channel, const std::string& payload);
  };

  boost::asio::io_context& loop_;
  std::shared_ptr<state> state_;
};

}  // namespace txrt::bridge
