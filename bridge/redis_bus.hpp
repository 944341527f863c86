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
  ~redis_bus() override;

  // Call before the bus loop runs, or on it.
  void start(event_sink on_event, ready_sink on_ready) override;
  void publish(std::string channel, std::string payload) override;
  bool ready() const noexcept override { return ready_.load(std::memory_order_acquire); }
  void stop() override;

  // The PUBLISH connection, running on the bus loop; share it with redis_validator and
  // redis_directory rather than opening more connections.
  std::shared_ptr<redis_connection> commands() const noexcept { return publisher_; }
  // Publishes that did not reach Redis (not connected, deadline, error reply).
  std::uint64_t publish_failures() const noexcept { return failures_->load(); }

 private:
  void set_ready(bool ready);

  net::io_context& loop_;
  std::string pattern_;       // "<prefix>event:*"
  std::string event_prefix_;  // "<prefix>event:"
  std::shared_ptr<redis_connection> subscriber_;
  std::shared_ptr<redis_connection> publisher_;
  std::shared_ptr<std::atomic<std::uint64_t>> failures_;
  std::atomic<bool> ready_{false};
  event_sink on_event_;
  ready_sink on_ready_;
};

}  // namespace txrt::bridge
