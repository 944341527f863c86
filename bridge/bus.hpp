#pragma once
// The bus: where events come from and where this node publishes. Redis pub/sub for several
// nodes (bridge/redis_bus), or the node itself (bridge/local_bus) in single-node mode.
//
// Threading: the bus lives on one loop (the "bus loop"). `on_event` is called on that loop;
// publish() may be called from any loop (it posts to the bus loop).
#include <functional>
#include <string>
#include <string_view>

namespace txrt::bridge {

// A message on an event channel: "<prefix>event:<TYPE>[:<customer>]" and its payload, as
// published (not yet validated).
using event_sink = std::function<void(std::string_view channel, std::string_view payload)>;
// Called on the bus loop whenever the bus becomes usable or stops being usable.
using ready_sink = std::function<void(bool ready)>;

class bus {
 public:
  virtual ~bus() = default;
  // Starts receiving; every event-channel message goes to `on_event`.
  virtual void start(event_sink on_event, ready_sink on_ready) = 0;
  // Publishes `payload` on `channel` (full channel name, prefix included). Thread-safe.
  virtual void publish(std::string channel, std::string payload) = 0;
  // Whether the bus is connected now (thread-safe; /ready reads it).
  virtual bool ready() const noexcept = 0;
  // Stops; no callback runs afterwards. Call on the bus loop.
  virtual void stop() = 0;
};

}  // namespace txrt::bridge
