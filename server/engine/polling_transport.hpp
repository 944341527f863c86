#pragma once
// The HTTP long-polling transport of an Engine.IO session, the peer of websocket_transport: the
// packets waiting for a GET, the GET waiting for packets, and the payload framing of the
// session's protocol version (v4 record separators; v3 length prefixes, string or binary form).
//
// It does no I/O and keeps no timer. The HTTP layer hands each request to the session
// (session::on_polling_get / on_polling_post), which decides, as the Engine.IO state machine,
// whether to hold, answer or refuse it; this class does the holding and the answering. An answer
// goes out through the responder that the HTTP connection built, which posts it back to the
// connection's own loop, so answering never blocks and never re-enters the session.
//
// Lives on its session's loop; must not be called from another thread.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/engineio/payload.hpp"
#include "server/engine/polling.hpp"
#include "server/engine/types.hpp"

namespace txrt::engine {

class polling_transport {
 public:
  // `b64`: the client asked for base64 binary (v3 "b64=1"); v4 always uses base64.
  polling_transport(eio::version version, bool b64) noexcept : version_(version), b64_(b64) {}
  ~polling_transport();
  polling_transport(const polling_transport&) = delete;
  polling_transport& operator=(const polling_transport&) = delete;

  // --- the GET ---
  bool has_pending_get() const noexcept { return pending_get_.has_value(); }
  // Holds `respond` until there is something to send. The caller has checked that no other GET
  // is held (two at once is a protocol error the session decides on).
  void hold_get(std::uint64_t get_id, polling_responder respond);
  // Forgets the held GET when it is `get_id` (its HTTP connection went away without an answer);
  // true when it was. A stale id (the GET was answered meanwhile) changes nothing.
  bool drop_get(std::uint64_t get_id) noexcept;
  // Answers the held GET, if any, with this one packet ("6" noop, "1" close) instead of the queue.
  void answer_get(std::string_view packet);

  // --- the queue ---
  // Queues a packet; it goes out with the next flush() that finds a GET held.
  void push(const outgoing& packet);
  // Answers the held GET with every queued packet in one payload; nothing when either is missing.
  void flush();
  bool queue_empty() const noexcept { return queue_.empty(); }
  // Hands the queued packets over (to the WebSocket an upgrade completes) and empties the queue.
  std::vector<outgoing> take_queue() noexcept;
  void drop_queue() noexcept;
  // What the queue costs (bytes + queued_packet_overhead each), against send-queue-bytes.
  std::uint64_t queued_bytes() const noexcept { return queued_bytes_; }

  // --- the POST ---
  // Decodes a POST body into its packets. `binary_body`: the request's Content-Type was
  // application/octet-stream (the v3 binary form).
  eio::result<std::vector<eio::owned_packet>> decode(std::string_view body, bool binary_body) const;

 private:
  // queued_bytes_ changes only through these, which keep txrt_outbound_queue_bytes in step.
  void add_queued(std::uint64_t n) noexcept;
  void clear_queued() noexcept;
  void respond(polling_response r);

  eio::version version_;
  bool b64_;
  std::vector<outgoing> queue_;
  std::optional<polling_responder> pending_get_;
  std::uint64_t pending_get_id_ = 0;
  std::uint64_t queued_bytes_ = 0;
};

}  // namespace txrt::engine
