#pragma once
// Fan-out: an event from the bus reaches every entitled socket of this node, once.
//
// On the bus loop the event is checked once (a JSON object on a known event channel; anything
// else is dropped and counted), its sub-event read once, and its outgoing frame
// 42["<TYPE>",<payload as published>] built once. The event then crosses to each loop once;
// there the loop's room index yields the matching sockets and the same immutable bytes are
// queued on each: no JSON work and no allocation per subscriber. Events in, dropped and
// delivered are counted in app/app_metrics.hpp.
//
// Connection state recovery (SPEC §11): with a history, each event's frame is built a second
// time with its stream offset as the last argument (once per event, like the first), for the
// Socket.IO v5 sockets that get offsets; v2 sockets get the frame without. The event is kept
// in the history (on the bus loop, before any loop delivers it), and each loop remembers the
// position of the last event it delivered: a recovery on that loop replays up to there and
// joins the rooms in the same step, so the next event reaches it through the rooms.
//
// permessage-deflate: with compression on and some session having negotiated it, each frame
// over the threshold is also compressed once on the bus loop (engine::deflate_once) and its
// compressed frame crosses to the loops with it; the sessions that negotiated the extension
// are written those bytes. With no such session, nothing is compressed.
//
// Delivery comes after the room walk, not inside it. A delivery may close its session (a slow
// consumer), which takes the client out of the rooms and frees it at once, and a room must not
// change under the walk. And the walk is the cheap half (it reads the rooms and stamps the
// clients); a delivery goes on through socket, session and transport, each as cold as the
// client was, and with the list in hand each hop is prefetched a few clients ahead.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/telecomx/stream_offset.hpp"
#include "rooms/room_index.hpp"
#include "server/engine/types.hpp"
#include "server/loop_pool.hpp"

namespace txrt::telecomx {

struct client;
class recovery_history;

class fanout {
 public:
  // `indexes[i]` is loop i's room index. `on_config_customer` is told the customer of every
  // CONFIG CUSTOMER_UPDATED / CUSTOMER_DELETED event (directory cache invalidation).
  // `history` may be null (recovery off): then no offsets and nothing kept. `compression`:
  // whether (and from what size) each event is also compressed once.
  fanout(server::loop_pool& loops, std::string prefix,
         std::vector<rooms::room_index<client>*> indexes,
         std::function<void(const std::string& customer)> on_config_customer,
         recovery_history* history = nullptr, engine::compression_options compression = {false, 0});

  // A message from the bus (called on the bus loop).
  void on_bus_message(std::string_view channel, std::string_view payload,
                      telecomx::stream_offset position = {});

  // The stream restarted (a marker) or broke (unknown): each loop's position follows, in order
  // with the events (called on the bus loop, like on_bus_message).
  void on_stream(telecomx::stream_offset start);

  // The position of the last event (or marker) loop `loop` handled; call on that loop.
  telecomx::stream_offset delivered_position(std::size_t loop) const {
    return delivered_[loop].position;
  }

 private:
  server::loop_pool& loops_;
  std::string prefix_;
  std::vector<rooms::room_index<client>*> indexes_;
  std::function<void(const std::string&)> on_config_customer_;
  recovery_history* history_;
  engine::compression_options compression_;
  // One per loop, each written only by its loop (padded: neighbours are other cores' lines).
  struct alignas(64) loop_position {
    telecomx::stream_offset position;
  };
  std::vector<loop_position> delivered_;
  // One per loop, touched only by its loop: the clients an event matches, listed by the room
  // walk and then delivered to (kept, so that an event allocates nothing once it has grown).
  struct alignas(64) loop_scratch {
    std::vector<client*> hits;
  };
  std::vector<loop_scratch> scratch_;
};

}  // namespace txrt::telecomx
