#pragma once
// The bus over Redis pub/sub, for several nodes. Two connections on the bus loop: a subscriber
// that PSUBSCRIBEs "<prefix>event:*" and hands every message to the event sink, and a command
// connection that PUBLISHes (and that the Redis validator and directory may share).
//
// ready() is true while the subscriber is connected and Redis has confirmed the pattern
// subscription; it goes false on a connection loss and true again after the automatic
// reconnect + re-subscribe. Messages published while the bus is not ready are lost (pub/sub is
// not a queue); failed publishes are counted.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "bridge/bus.hpp"
#include "bridge/redis_connection.hpp"

namespace txrt::bridge {

class redis_bus final : public bus {
 public:
  redis_bus(net::io_context& bus_loop, redis_endpoint endpoint, std::string prefix);
  // The same from the `redis` configuration value; throws std::invalid_argument for a bad URL.
  redis_bus(net::io_context& bus_loop, const std::string& url, std::string prefix);
  // Best done after stop(); otherwise the connections are closed on the bus loop later, and
  // the sinks are not called any more.
  ~redis_bus() override;

  // Call before the bus loop runs, or on it.
  void start(event_sink on_event, ready_sink on_ready) override;
  void publish(std::string channel, std::string payload) override;
  bool ready() const noexcept override { return state_->ready.load(std::memory_order_acquire); }
  void stop() override;

  // The PUBLISH connection, running on the bus loop; share it with redis_validator and
  // redis_directory rather than opening more connections.
  std::shared_ptr<redis_connection> commands() const noexcept { return publisher_; }
  // Publishes that did not reach Redis (not connected, deadline, error reply).
  std::uint64_t publish_failures() const noexcept { return state_->failures.load(); }

 private:
  // What the connections' callbacks and queued publishes touch: it outlives the bus if needed.
  struct state {
    std::string pattern;       // "<prefix>event:*"
    std::string event_prefix;  // "<prefix>event:"
    event_sink on_event;
    ready_sink on_ready;
    std::atomic<bool> ready{false};
    std::atomic<bool> stopped{false};
    std::atomic<std::uint64_t> failures{0};
    void set_ready(bool value);
  };

  net::io_context& loop_;
  std::shared_ptr<state> state_;
  std::shared_ptr<redis_connection> subscriber_;
  std::shared_ptr<redis_connection> publisher_;
};

}  // namespace txrt::bridge
