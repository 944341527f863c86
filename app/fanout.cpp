#include "app/fanout.hpp"

#include <memory>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "app/app_metrics.hpp"
#include "app/client.hpp"
#include "app/recovery_history.hpp"
#include "bridge/channels.hpp"
#include "protocol/telecomx/event_message.hpp"
#include "server/engine/compression.hpp"
#include "server/engine/types.hpp"
#include "server/socketio/event_frame.hpp"

namespace txrt::telecomx {

namespace {

// One published event, shared (read-only) by every loop that delivers it.
struct shared_event {
  telecomx::event_type type;
  std::string customer;
  std::string sub_event;
  telecomx::stream_offset position;
  engine::outgoing frame;
  engine::outgoing frame_with_offset;  // recovery on: for the sockets that get offsets

  telecomx::event_meta meta() const { return {type, customer, sub_event}; }
};

// A loop's own copy of a frame (and of its compressed form): the reference count of one shared
// copy would bounce between the cores on every delivery. The copy costs an allocation and the
// bytes, so a loop with fewer deliveries than this shares the bus loop's frame instead.
constexpr std::size_t own_copy_from = 8;

engine::outgoing frame_for_loop(const engine::outgoing& f, std::size_t deliveries) {
  engine::outgoing copy = f;
  if (deliveries < own_copy_from) return copy;
  copy.bytes = engine::make_shared_bytes(*f.bytes);
  if (f.deflated) copy.deflated = engine::make_shared_bytes(*f.deflated);
  return copy;
}

// How far ahead of the delivery in hand each hop of the next ones is prefetched: the socket,
// then (when it has arrived) its session, then (when that has) the session's transport.
constexpr std::size_t socket_ahead = 6;
constexpr std::size_t session_ahead = 4;
constexpr std::size_t transport_ahead = 2;

// Calls `deliver(client&)` on each of `hits` in order. A delivery may close its own session and
// free its client (never another's): nothing here touches a client after its delivery.
template <class Deliver>
void deliver_all(const std::vector<client*>& hits, Deliver&& deliver) {
  const std::size_t n = hits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + socket_ahead < n) {
      if (const auto* s = hits[i + socket_ahead]->socket) s->prefetch();
    }
    if (i + session_ahead < n) {
      if (const auto* s = hits[i + session_ahead]->socket) s->prefetch_session();
    }
    if (i + transport_ahead < n) {
      if (const auto* s = hits[i + transport_ahead]->socket) s->prefetch_transport();
    }
    deliver(*hits[i]);
  }
}

}  // namespace

fanout::fanout(server::loop_pool& loops, std::string prefix,
               std::vector<rooms::room_index<client>*> indexes,
               std::function<void(const std::string&)> on_config_customer,
               recovery_history* history, engine::compression_options compression)
    : loops_(loops),
      prefix_(std::move(prefix)),
      indexes_(std::move(indexes)),
      on_config_customer_(std::move(on_config_customer)),
      history_(history),
      compression_(compression),
      delivered_(loops.size()),
      scratch_(loops.size()) {}

void fanout::on_stream(telecomx::stream_offset start) {
  // A session that subscribes on a loop before any event has arrived starts at the marker.
  loops_.post_to_each([this, start](std::size_t i) { delivered_[i].position = start; });
}

void fanout::on_bus_message(std::string_view channel, std::string_view payload,
                            telecomx::stream_offset position) {
  auto parsed_channel = bridge::parse_event_channel(prefix_, channel);
  if (!parsed_channel) {
    metrics::events_dropped.at(static_cast<std::size_t>(metrics::drop_reason::bad_channel)).inc();
    return;
  }
  // A publisher's message that is not a JSON object is dropped, never delivered.
  auto message = telecomx::parse_event_message(payload);
  if (!message) {
    metrics::events_dropped.at(static_cast<std::size_t>(metrics::drop_reason::not_json)).inc();
    spdlog::debug("dropped a non-JSON-object message on {}", channel);
    return;
  }
  auto ev = std::make_shared<shared_event>();
  ev->type = parsed_channel->type;
  metrics::events_in.at(static_cast<std::size_t>(ev->type)).inc();
  ev->customer = std::string(parsed_channel->customer);
  ev->sub_event = std::move(message->sub_event);
  if (message->customer && !ev->customer.empty() && *message->customer != ev->customer)
    metrics::events_customer_mismatch.at(static_cast<std::size_t>(ev->type)).inc();

  // Built once, with its WebSocket header: every subscriber is written these very bytes.
  ev->frame = sio::encode_event(telecomx::to_string(ev->type), payload);
  engine::deflate_once(ev->frame, compression_);
  ev->position = position;
  if (history_) {
    std::string offset = ",\"";  // the event, then its offset: ...,"<offset>"
    telecomx::append_offset(position, offset);
    offset.push_back('"');
    ev->frame_with_offset = sio::encode_event(telecomx::to_string(ev->type), payload, offset);
    engine::deflate_once(ev->frame_with_offset, compression_);
    if (position.known())
      history_->append({position, ev->type, ev->customer, ev->sub_event, ev->frame_with_offset,
                        recovery_history::clock::now()});
  }

  if (ev->type == telecomx::event_type::config && !ev->customer.empty() && on_config_customer_ &&
      (ev->sub_event == "CUSTOMER_UPDATED" || ev->sub_event == "CUSTOMER_DELETED"))
    on_config_customer_(ev->customer);

  // Cross to each loop once; events of one channel keep their order because each loop's queue
  // is FIFO and this function runs on one loop.
  loops_.post_to_each([this, ev](std::size_t i) {
    // Taken out while in use: nothing a delivery does can reach this loop's list again.
    auto hits = std::move(scratch_[i].hits);
    hits.clear();
    indexes_[i]->for_each_match(ev->meta(), [&hits](client& c) { hits.push_back(&c); });
    const engine::outgoing frame = frame_for_loop(ev->frame, hits.size());
    if (!history_) {
      deliver_all(hits, [&frame](client& c) {
        if (c.socket) c.socket->send_encoded(frame);
      });
    } else {
      const engine::outgoing with_offset = frame_for_loop(ev->frame_with_offset, hits.size());
      const bool known = ev->position.known();
      deliver_all(hits, [&](client& c) {
        if (!c.socket) return;
        if (!c.recovery) return void(c.socket->send_encoded(frame));
        // A resumed session already has it (replayed, or from its old node).
        if (known && ev->position <= c.recovery->replayed_through) return;
        // Before the send: a slow consumer's client is gone once it returns.
        c.recovery->last_sent = ev->position;
        c.socket->send_encoded(with_offset);
      });
      delivered_[i].position = ev->position;
    }
    metrics::deliveries.get().inc(hits.size());
    hits.clear();
    scratch_[i].hits = std::move(hits);
  });
}

}  // namespace txrt::telecomx
