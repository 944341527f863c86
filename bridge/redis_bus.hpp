#pragma once
// The bus over Redis pub/sub, for several nodes. Two connections on the bus loop: a subscriber
// that PSUBSCRIBEs "<prefix>event:*" (messages matching it go to the event sink) and SUBSCRIBEs
// the channels added with subscribe() (their messages go to the message sink; Redis sends a
// channel that is both twice, once to each), and a command connection that PUBLISHes (and that
// the Redis validator, directory and kv store may share).
//
// With Sentinel (redis_target::sentinel()) both connections follow the master (redis_sentinel):
// found through the sentinels, checked with ROLE, moved to the new master on a failover.
//
// The stream (SPEC §11, docs/recovery.md): the subscriber also SUBSCRIBEs
// "<prefix>recovery:marker". Once both subscriptions are confirmed, the bus publishes a marker
// there through a script that numbers it above every earlier one (the Redis clock in ms, or the
// last number + 1) - atomically, so markers are numbered in the order every node receives them.
// Every node then counts the event messages after the latest marker: (marker, count) names the
// same message on every node.
//
// ready() is true while the subscriber is connected, Redis has confirmed the pattern
// subscription and this node's marker has come back (or could not be published: then positions
// stay unknown until another node's marker arrives); it goes false on a connection loss and true again after the automatic
// reconnect + re-subscribe (of the pattern and of every subscribe()d channel). Messages
// published while the bus is not ready are lost (pub/sub is not a queue); failed publishes are
// counted.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "bridge/bus.hpp"
#include "bridge/redis_command_pool.hpp"
#include "bridge/redis_connection.hpp"
#include "bridge/redis_target.hpp"

namespace txrt::bridge {

class redis_sentinel;

class redis_bus final : public bus {
 public:
  // One server, or the master behind the sentinels. `command_loops`: the node's other loops,
  // each of which gets its own command connection (redis_command_pool.hpp).
  redis_bus(net::io_context& bus_loop, redis_target target, std::string prefix,
            const std::vector<net::io_context*>& command_loops = {});
  redis_bus(net::io_context& bus_loop, redis_endpoint endpoint, std::string prefix);
  // The same from the `redis` configuration value; throws std::invalid_argument for a bad URL.
  redis_bus(net::io_context& bus_loop, const std::string& url, std::string prefix);
  // Best done after stop(); otherwise the connections are closed on the bus loop later, and
  // the sinks are not called any more.
  ~redis_bus() override;

  // Call before the bus loop runs, or on it.
  void start(event_sink on_event, ready_sink on_ready, message_sink on_message) override;
  void publish(std::string channel, std::string payload) override;
  // PUBLISH on the calling loop's command connection; `done` gets Redis' count of receivers, or -1 when the
  // publish failed (not connected, deadline, error reply; counted as a failure too). After
  // stop(), `done` is not called.
  void publish_counted(std::string channel, std::string payload, publish_callback done) override;
  // Posted to the bus loop; the set is replayed on every reconnect.
  void subscribe(std::string channel) override;
  void unsubscribe(std::string channel) override;
  // Subscribed with a known stream position, and every command connection up (an authenticate
  // on a loop whose connection is down would be answered `unavailable`).
  bool ready() const noexcept override {
    return state_->ready.load(std::memory_order_acquire) &&
           state_->commands_down.load(std::memory_order_acquire) == 0;
  }
  void stop() override;

  // The bus loop's command connection (the recovery marker's, and the PUBLISHes issued there).
  std::shared_ptr<redis_connection> commands() const noexcept { return publisher_; }
  // A command connection per loop; share it with the validator, the key-value store and the
  // directory rather than opening more connections.
  std::shared_ptr<redis_command_pool> command_pool() const noexcept { return pool_; }
  // Publishes that did not reach Redis (not connected, deadline, error reply).
  std::uint64_t publish_failures() const noexcept { return state_->failures.load(); }

 private:
  // What the connections' callbacks and queued publishes touch: it outlives the bus if needed.
  // Everything but the atomics is touched on the bus loop only.
  struct state {
    std::string pattern;       // "<prefix>event:*"
    std::string event_prefix;  // "<prefix>event:"
    event_sink on_event;
    ready_sink on_ready;
    message_sink on_message;
    stream_sink on_stream;
    std::string marker_channel;  // "<prefix>recovery:marker"
    std::string epoch_key;       // "<prefix>recovery:epoch"
    bool pattern_active = false;
    bool marker_active = false;
    unsigned marker_failures = 0;  // in a row, for this connection
    telecomx::stream_offset position;  // of the last event message; epoch 0 = not known
    std::atomic<bool> ready{false};
    std::atomic<unsigned> commands_down{0};  // the pool's connections not connected now
    std::atomic<bool> stopped{false};
    std::atomic<std::uint64_t> failures{0};
    void set_ready(bool value);
    void count_failure(const redis_reply& r);
    void count_command_state(bool connected);  // a pool connection's on_state, on its loop
    void on_marker(std::string_view payload);
    void stream_broke();
  };
  // Publishes this node's marker (once both subscriptions are confirmed); retried a few times.
  static void publish_marker(const std::shared_ptr<state>& st,
                             const std::shared_ptr<redis_connection>& publisher);

  net::io_context& loop_;
  std::shared_ptr<state> state_;
  std::shared_ptr<redis_sentinel> sentinel_;  // null with one server
  std::shared_ptr<redis_connection> subscriber_;
  std::shared_ptr<redis_connection> publisher_;  // the pool's connection on the bus loop
  std::shared_ptr<redis_command_pool> pool_;
};

}  // namespace txrt::bridge
