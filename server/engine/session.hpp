#pragma once
// One Engine.IO session: the state machine and the heartbeat over its two transports, peers
// that each own their queue: polling_transport (held GET, queued packets, payload framing) and
// websocket_transport (frames, gathered writes). The session decides what a packet or a request
// means; the transports only carry bytes.
//
// A session lives on one loop and every member is touched only from that loop ("must not be
// called from another thread"). It starts on HTTP long-polling or on a WebSocket; a polling
// session may upgrade: a probe WebSocket is attached, answers "3probe" to "2probe", and takes
// over when the client sends "5". While the upgrade is under way a polling GET is answered with
// a noop so that the client can finish it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "server/engine/heartbeat_schedule.hpp"
#include "server/engine/live_count.hpp"
#include "server/engine/polling.hpp"
#include "server/engine/polling_transport.hpp"
#include "server/engine/types.hpp"
#include "server/util/short_id.hpp"

namespace txrt::metrics {
class gauge;
}

namespace txrt::engine {

namespace net = boost::asio;

class websocket_transport;
class session_registry;

// The heartbeat_hook base is the session's place in its loop's heartbeat_schedule (private:
// only the session arms it).
class session : public std::enable_shared_from_this<session>, private heartbeat_hook {
 public:
  enum class state : std::uint8_t { polling, upgrading, websocket, closed };

  // `loop` must be the registry's loop (the session reaches it through the registry).
  session(net::io_context& loop, session_registry& registry, const engine_options& options,
          std::string_view sid, eio::version version, bool b64);
  ~session();

  // A view of the session's own sid: valid as long as the session.
  std::string_view sid() const noexcept { return sid_.view(); }
  eio::version version() const noexcept { return version_; }
  state current_state() const noexcept { return state_; }
  bool is_open() const noexcept { return state_ != state::closed; }
  net::io_context& loop() noexcept;
  // The transport the session currently writes to ("polling" / "websocket").
  std::string_view transport_name() const noexcept;
  // The client's address as the server sees it (peer address, or a trusted proxy's
  // X-Forwarded-For), fixed at the handshake.
  const std::string& remote_address() const noexcept { return remote_address_; }
  void set_remote_address(std::string address) { remote_address_ = std::move(address); }

  // Asks the registry's session_admission whether this session may open (true when there is
  // none); call once, with the remote address set, before start(). A session let in holds its
  // admission until it ends.
  bool admit();
  // Gives the admission back, if held (finish() does; and a registry going away, for the
  // sessions that never ended).
  void release_admission() noexcept;

  // Starts the session: queues the open packet, creates the handler, starts the heartbeat.
  // `ws` is the WebSocket the session was opened on, or null for long-polling.
  void start(std::unique_ptr<session_handler> handler, std::shared_ptr<websocket_transport> ws);

  // --- long-polling (from the HTTP layer, posted to this loop) ---
  void on_polling_get(std::uint64_t get_id, polling_responder respond);
  void on_polling_post(std::string body, bool binary_body, polling_responder respond);
  void on_polling_get_aborted(std::uint64_t get_id);

  // --- WebSocket ---
  // A WebSocket that asks to upgrade this polling session; false when it may not.
  bool attach_probe(std::shared_ptr<websocket_transport> ws);
  void on_ws_text(websocket_transport& from, std::string_view text);
  void on_ws_binary(websocket_transport& from, std::string_view bytes);
  void on_ws_closed(websocket_transport& from, close_reason reason);

  // --- the layer above ---
  // Queues a message. `packet` holds the full text form ("4..."), or raw bytes when binary.
  // A packet that takes the queue past send-queue-bytes closes the session (slow_consumer)
  // before this returns; the result says so, and callers may ignore it.
  send_result send(const outgoing& packet);
  // Prefetch hints (sio::socket::prefetch): what send() reads here, then the active transport.
  void prefetch() const noexcept {
    __builtin_prefetch(&state_);
    __builtin_prefetch(&ws_);
  }
  void prefetch_transport() const noexcept;
  send_result send_text_message(std::string_view payload);  // convenience: builds "4" + payload
  send_result send_binary_message(std::string_view bytes);
  // Ends the session: the client is told (close packet) where the transport allows.
  void close(close_reason reason);

  // The loop's heartbeat_schedule calls this when the session's heartbeat deadline comes due.
  static void on_heartbeat_due(heartbeat_hook& hook);

  // What the active transport has queued and not yet written, as counted against
  // send-queue-bytes (bytes + queued_packet_overhead per packet).
  std::uint64_t queued_bytes() const noexcept;

 private:
  void handle_packet(const eio::packet& p, bool from_websocket);
  send_result enqueue(const outgoing& packet);
  void finish(close_reason reason, bool tell_client);
  bool expired_now();
  // The txrt_connections series of this session's transport and protocol.
  metrics::gauge& connections_gauge() const noexcept;

  heartbeat_schedule& heartbeats() noexcept;
  void schedule_ping();
  void on_ping_due(std::chrono::steady_clock::time_point due);
  void arm_deadline(heartbeat_kind kind, std::chrono::steady_clock::time_point deadline);

  // One per session, so kept small: the loop is the registry's (no reference of its own), the
  // sid is inline (util::short_id), the small fields share a word.
  session_registry& registry_;
  const engine_options& options_;
  util::short_id sid_;
  eio::version version_;
  state state_ = state::polling;
  bool admitted_ = false;  // holds its registry's admission (admit); fills the word
  // Declared before handler_, so destroyed after it: a handler may read it to the end. The
  // session's admission, if any, is released for this address (server/limits/session_limit).
  std::string remote_address_;

  std::unique_ptr<session_handler> handler_;
  std::shared_ptr<websocket_transport> ws_;  // active WebSocket (state websocket)

  // The polling side: the transport until an upgrade completes, and the WebSocket being
  // upgraded to (only a polling session has one). Released when the upgrade completes, and at
  // the start of a session that starts on a WebSocket (most do): an idle session should carry
  // neither an unused queue nor an empty probe pointer.
  struct polling_side : polling_transport {
    using polling_transport::polling_transport;
    std::shared_ptr<websocket_transport> probe;
  };
  websocket_transport* probe() const noexcept { return polling_ ? polling_->probe.get() : nullptr; }
  std::unique_ptr<polling_side> polling_;

  // Heartbeat. v4: the server pings every ping_interval and expects a pong within ping_timeout.
  // v3: the client pings; a ping must arrive within ping_interval + ping_timeout of the last.
  // The waits never overlap, so the one heartbeat_hook (the base) is armed for one at a time:
  // ping_due, pong_deadline (v4) or ping_deadline (v3). The loop's schedule owns the timer.
  [[no_unique_address]] live_count live_;  // the graceful shutdown waits for every one to go
};

}  // namespace txrt::engine
