#pragma once
// The bus: where events come from and where this node publishes. Redis pub/sub for several
// nodes (bridge/redis_bus), or the node itself (bridge/local_bus) in single-node mode.
//
// Threading: the bus lives on one loop (the "bus loop"). `on_event` is called on that loop;
// publish() may be called from any loop (it posts to the bus loop).
#include <functional>
#include <string>
#include <string_view>

#include "protocol/telecomx/stream_offset.hpp"

namespace txrt::bridge {

// A message on an event channel: "<prefix>event:<TYPE>[:<customer>]" and its payload, as
// published (not yet validated), and where it stands in the shared stream (epoch 0: not known;
// see protocol/telecomx/stream_offset.hpp). Every event-channel message counts in the stream,
// valid or not, so that every node numbers the same message alike.
using event_sink = std::function<void(std::string_view channel, std::string_view payload,
                                      telecomx::stream_offset position)>;
// The stream's coverage changed: a recovery marker arrived (`start` = {epoch, 0}: positions from
// here on are known), or the stream broke (`start` epoch 0: messages may have been missed, so no
// earlier position may be trusted any more).
using stream_sink = std::function<void(telecomx::stream_offset start)>;
// Called on the bus loop whenever the bus becomes usable or stops being usable.
using ready_sink = std::function<void(bool ready)>;

// A message on a channel subscribed with subscribe() (control, employee channels).
using message_sink = std::function<void(std::string_view channel, std::string_view payload)>;
// How many subscribers (nodes) a publish reached; -1 when the bus could not publish.
using publish_callback = std::function<void(long receivers)>;

class bus {
 public:
  virtual ~bus() = default;
  // Starts receiving; every event-channel message goes to `on_event`, every message on a
  // channel added with subscribe() goes to `on_message`. Call on the bus loop.
  virtual void start(event_sink on_event, ready_sink on_ready, message_sink on_message) = 0;
  // Where stream coverage changes are told (set before start(); called on the bus loop).
  void on_stream(stream_sink sink) { on_stream_ = std::move(sink); }
  // Publishes `payload` on `channel` (full channel name, prefix included). Thread-safe.
  virtual void publish(std::string channel, std::string payload) = 0;
  // Publishes and reports how many subscribers received it (Redis: PUBLISH's reply; the
  // built-in bus: 1 when this node subscribed the channel, else 0). `done` runs on the bus
  // loop. Thread-safe.
  virtual void publish_counted(std::string channel, std::string payload,
                               publish_callback done) = 0;
  // Adds / removes a plain channel subscription (kept across reconnects). Thread-safe.
  virtual void subscribe(std::string channel) = 0;
  virtual void unsubscribe(std::string channel) = 0;
  // Whether the bus is connected now (thread-safe; /ready reads it).
  virtual bool ready() const noexcept = 0;
  // Stops; no callback runs afterwards. Call on the bus loop.
  virtual void stop() = 0;

 protected:
  stream_sink on_stream_;
};

}  // namespace txrt::bridge
