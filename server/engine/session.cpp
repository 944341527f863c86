#include "server/engine/session.hpp"

#include <utility>

#include "protocol/engineio/handshake.hpp"
#include "server/engine/session_registry.hpp"
#include "server/engine/websocket_transport.hpp"
#include "server/server_metrics.hpp"

namespace txrt::engine {

static_assert(metrics::close_reasons.size() ==
              static_cast<std::size_t>(close_reason::shutdown) + 1);

using clock = std::chrono::steady_clock;

session::session([[maybe_unused]] net::io_context& loop, session_registry& registry,
                 const engine_options& options, std::string_view sid, eio::version version,
                 bool b64)
    : registry_(registry),
      options_(options),
      sid_(sid),
      version_(version),
      polling_(std::make_unique<polling_side>(version, b64)) {}

net::io_context& session::loop() noexcept { return registry_.loop(); }

// finish() cancels the hook; a session that was never finished (tests, a server torn down)
// must still leave its loop's lists. A schedule destroyed first has unlinked it already.
session::~session() {
  if (linked()) heartbeats().cancel(*this);
  // A transport of its own may outlive its session (a pending wait holds it): it must not
  // deliver to it any more (a session ended by finish() has detached them already).
  if (ws_) ws_->detach();
  if (probe()) probe()->detach();
}

heartbeat_schedule& session::heartbeats() noexcept { return registry_.heartbeats(); }

metrics::gauge& session::connections_gauge() const noexcept {
  return metrics::connections.at(state_ == state::websocket ? 1 : 0,
                                 version_ == eio::version::v3 ? 0 : 1);
}

std::string_view session::transport_name() const noexcept {
  return state_ == state::websocket ? "websocket" : "polling";
}

std::uint64_t session::queued_bytes() const noexcept {
  if (state_ == state::websocket && ws_) return ws_->queued_bytes();
  return polling_ ? polling_->queued_bytes() : 0;
}

bool session::admit() {
  auto* admission = registry_.admission();
  if (admission == nullptr) return true;
  admitted_ = admission->admit(*this);
  return admitted_;
}

void session::release_admission() noexcept {
  if (std::exchange(admitted_, false)) registry_.admission()->release(*this);
}

void session::start(std::unique_ptr<session_handler> handler,
                    std::shared_ptr<websocket_transport> ws) {
  handler_ = std::move(handler);
  eio::open_params params;
  params.sid = sid_.view();
  params.upgrade_to_websocket = (ws == nullptr);
  params.ping_interval_ms = static_cast<std::uint32_t>(options_.ping_interval.count());
  params.ping_timeout_ms = static_cast<std::uint32_t>(options_.ping_timeout.count());
  params.max_payload = options_.max_payload;
  if (ws) {
    state_ = state::websocket;
    ws_ = std::move(ws);
    ws_->attach(*this);
    polling_.reset();  // never used: a session that starts on a WebSocket stays on it
  }
  metrics::connections_opened.get().inc();
  connections_gauge().inc();
  enqueue({make_shared_bytes(eio::encode_open(version_, params)), false});
  if (version_ == eio::version::v4)
    schedule_ping();
  else
    arm_deadline(heartbeat_kind::ping_deadline,
                 clock::now() + options_.ping_interval + options_.ping_timeout);
  if (handler_) handler_->on_open();
}

// ---------------------------------------------------------------------------------------------
// Heartbeat

void session::schedule_ping() {
  // Not after finish(): an armed hook would call back a session that is over.
  if (!is_open()) return;
  heartbeats().arm(*this, heartbeat_kind::ping_due, clock::now() + options_.ping_interval);
}

void session::on_heartbeat_due(heartbeat_hook& hook) {
  auto& s = static_cast<session&>(hook);
  // Alive while it runs: closing removes it from the registry, which may hold the last owner.
  // (Null only while it is being destroyed, and its destructor unlinks the hook first.)
  auto self = s.weak_from_this().lock();
  if (!self || !s.is_open()) return;
  // The schedule calls only when the deadline has passed by the clock.
  if (hook.kind == heartbeat_kind::ping_due)
    s.on_ping_due(hook.deadline);
  else
    s.finish(close_reason::ping_timeout, true);
}

void session::on_ping_due(clock::time_point due) {
  // The pong deadline counts from when the ping was due, not from when the timer fired: a
  // busy loop must not extend a client's grace.
  static const shared_bytes ping = make_shared_bytes("2");
  enqueue({ping, false});
  arm_deadline(heartbeat_kind::pong_deadline, due + options_.ping_timeout);
}

void session::arm_deadline(heartbeat_kind kind, clock::time_point deadline) {
  // The answer just queued may have closed the session (a slow consumer): arm nothing then.
  if (!is_open()) return;
  heartbeats().arm(*this, kind, deadline);
}

// A deadline may have passed before the schedule's timer ran (a busy loop): what the client
// sends then finds the session over, as it would have a moment later.
bool session::expired_now() {
  if (!is_open()) return true;
  if (!armed(heartbeat_kind::pong_deadline) && !armed(heartbeat_kind::ping_deadline))
    return false;
  if (clock::now() < heartbeat_hook::deadline) return false;
  finish(close_reason::ping_timeout, true);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Long-polling: the session decides, polling_ holds and answers.

void session::on_polling_get(std::uint64_t get_id, polling_responder respond) {
  if (expired_now()) return respond(unknown_sid());
  if (state_ != state::polling && state_ != state::upgrading) return respond(bad_request());
  if (polling_->has_pending_get()) {
    // Two GETs at once: the client is confused or hostile; engine.io closes the session.
    respond(bad_request());
    finish(close_reason::polling_overlap, true);
    return;
  }
  polling_->hold_get(get_id, std::move(respond));
  if (!polling_->queue_empty())
    polling_->flush();
  else if (state_ == state::upgrading)
    polling_->answer_get("6");  // let the client finish the upgrade
}

void session::on_polling_get_aborted(std::uint64_t get_id) {
  if (polling_ && polling_->drop_get(get_id)) finish(close_reason::transport_close, false);
}

void session::on_polling_post(std::string body, bool binary_body, polling_responder respond) {
  if (expired_now()) return respond(unknown_sid());
  if (state_ != state::polling && state_ != state::upgrading) return respond(bad_request());
  if (body.size() > options_.max_payload) {
    respond(payload_too_large());
    finish(close_reason::payload_too_large, true);
    return;
  }
  auto packets = polling_->decode(body, binary_body);
  if (!packets) {
    respond(bad_request());
    finish(close_reason::parse_error, true);
    return;
  }
  // Keep ourselves alive: a close packet removes the session from the registry.
  auto self = shared_from_this();
  for (const auto& p : *packets) {
    if (!is_open()) break;
    handle_packet({p.type, p.binary, p.data}, false);
  }
  polling_response ok;
  ok.body = "ok";
  respond(std::move(ok));
}

// ---------------------------------------------------------------------------------------------
// WebSocket

bool session::attach_probe(std::shared_ptr<websocket_transport> ws) {
  if (!is_open() || state_ != state::polling || probe()) return false;
  polling_->probe = std::move(ws);
  polling_->probe->attach(*this);
  return true;
}

void session::on_ws_text(websocket_transport& from, std::string_view text) {
  auto self = shared_from_this();
  auto p = eio::decode_text(text);
  if (probe() && &from == probe()) {
    if (!p) {
      polling_->probe->close();
      polling_->probe.reset();
      if (state_ == state::upgrading) state_ = state::polling;
      return;
    }
    if (p->type == eio::packet_type::ping && p->data == "probe") {
      static const shared_bytes pong = make_shared_bytes("3probe");
      polling_->probe->send({pong, false});
      state_ = state::upgrading;
      polling_->answer_get("6");
    } else if (p->type == eio::packet_type::upgrade && state_ == state::upgrading) {
      connections_gauge().dec();
      state_ = state::websocket;
      connections_gauge().inc();
      ws_ = std::move(polling_->probe);
      polling_->answer_get("6");
      // What polling had queued goes out first on the WebSocket, in order.
      for (const auto& packet : polling_->take_queue()) ws_->send(packet);
      polling_.reset();  // answered and emptied: polling is over for this session
    }
    return;
  }
  if (!ws_ || &from != ws_.get() || state_ != state::websocket) return;
  if (expired_now()) return;
  if (!p) return finish(close_reason::parse_error, true);
  handle_packet(*p, true);
}

void session::on_ws_binary(websocket_transport& from, std::string_view bytes) {
  if (!ws_ || &from != ws_.get() || state_ != state::websocket) return;
  auto self = shared_from_this();
  if (expired_now()) return;
  auto p = eio::decode_ws_binary(version_, bytes);
  if (!p) return finish(close_reason::parse_error, true);
  handle_packet(*p, true);
}

void session::on_ws_closed(websocket_transport& from, close_reason reason) {
  auto self = shared_from_this();
  if (probe() && &from == probe()) {
    polling_->probe.reset();
    if (state_ == state::upgrading) state_ = state::polling;
    return;
  }
  if (ws_ && &from == ws_.get()) finish(reason, false);
}

// ---------------------------------------------------------------------------------------------
// Packets

void session::handle_packet(const eio::packet& p, bool from_websocket) {
  switch (p.type) {
    case eio::packet_type::message:
      if (!handler_) return;
      if (p.binary)
        handler_->on_binary(p.data);
      else
        handler_->on_message(p.data);
      return;
    case eio::packet_type::pong:
      // Only the answer to our ping counts; re-arming the hook drops the pong deadline.
      if (version_ == eio::version::v4 && armed(heartbeat_kind::pong_deadline)) schedule_ping();
      return;
    case eio::packet_type::ping:
      // Engine.IO v3: the client pings and the server answers; every ping renews the deadline.
      // In v4 only the upgrade probe pings (handled above); other pings are ignored.
      if (version_ == eio::version::v3) {
        std::string pong = "3";
        pong.append(p.data);
        enqueue({make_shared_bytes(std::move(pong)), false});
        arm_deadline(heartbeat_kind::ping_deadline,
                     clock::now() + options_.ping_interval + options_.ping_timeout);
      }
      return;
    case eio::packet_type::close:
      finish(close_reason::client_close, true);
      return;
    case eio::packet_type::noop:
    case eio::packet_type::upgrade:
      return;
    case eio::packet_type::open:
      finish(close_reason::parse_error, true);
      return;
  }
}

send_result session::send(const outgoing& packet) { return enqueue(packet); }

void session::prefetch_transport() const noexcept {
  if (state_ == state::websocket && ws_) ws_->prefetch();
}

send_result session::send_text_message(std::string_view payload) {
  std::string text;
  text.reserve(payload.size() + 1);
  text.push_back('4');
  text.append(payload);
  return enqueue({make_shared_bytes(std::move(text)), false});
}

send_result session::send_binary_message(std::string_view bytes) {
  return enqueue({make_shared_bytes(std::string(bytes)), true});
}

send_result session::enqueue(const outgoing& packet) {
  if (!is_open()) return send_result::closed;
  // The bound is checked after queueing, on the transport that holds the packet: overflow is
  // a decision (disconnect, counted by reason), never an unbounded queue.
  if (state_ == state::websocket) {
    ws_->send(packet);
    if (ws_->queued_bytes() <= options_.send_queue_bytes) return send_result::queued;
  } else {
    polling_->push(packet);
    if (polling_->queued_bytes() <= options_.send_queue_bytes) {
      polling_->flush();
      return send_result::queued;
    }
  }
  close(close_reason::slow_consumer);
  return send_result::slow_consumer;
}

void session::close(close_reason reason) { finish(reason, true); }

void session::finish(close_reason reason, bool tell_client) {
  if (!is_open()) return;
  auto self = shared_from_this();
  connections_gauge().dec();
  metrics::connections_closed.at(static_cast<std::size_t>(reason)).inc();
  state_ = state::closed;
  heartbeats().cancel(*this);
  registry_.remove(sid_.view());

  // A pending GET learns of the end: a noop when the client itself asked to close (it is not
  // waiting for anything), a close packet otherwise.
  if (polling_) {
    polling_->answer_get(reason == close_reason::client_close ? "6" : "1");
    polling_->drop_queue();
  }

  if (probe()) {
    auto upgrading = std::move(polling_->probe);
    upgrading->detach();
    upgrading->abort();
  }
  if (ws_) {
    ws_->detach();
    const bool transport_gone =
        reason == close_reason::transport_close || reason == close_reason::transport_error;
    // A slow consumer is not reading: a close packet and closing handshake would wait behind
    // the write in flight forever, holding the connection and its queue. Drop it at once.
    // (A frame over maxPayload was refused by the transport itself, which is already sending
    // its 1009 close frame: close() below leaves that to it.)
    if (transport_gone || reason == close_reason::slow_consumer) {
      ws_->abort();
    } else {
      if (tell_client && reason != close_reason::client_close &&
          reason != close_reason::parse_error) {
        static const shared_bytes close_packet = make_shared_bytes("1");
        ws_->send({close_packet, false});
      }
      ws_->close();
    }
    ws_.reset();
  }
  if (auto handler = std::move(handler_)) handler->on_close(reason);
  release_admission();
}

}  // namespace txrt::engine
