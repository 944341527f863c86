#pragma once
// Vocabulary shared by the Engine.IO session, its transports and the layer above.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/forwarded.hpp"

#include "protocol/engineio/packet.hpp"

namespace txrt::engine {

// Why a session ended. A closed set, so that logs and metrics can count each one.
enum class close_reason : std::uint8_t {
  client_close,        // the client sent a close packet
  transport_close,     // the peer closed the connection (or a pending GET went away)
  transport_error,     // a read or write failed
  ping_timeout,        // no pong (v4) / no ping (v3) in time
  parse_error,         // a packet that does not decode
  payload_too_large,   // a message or polling body over maxPayload
  polling_overlap,     // two GETs at once for one session
  slow_consumer,       // the outbound queue passed its bound
  server_close,        // the application closed it
  shutdown,            // the process is stopping
};

std::string_view to_string(close_reason r) noexcept;

// What became of a packet handed to session::send: backpressure in the return type, as in
// uWebSockets (SUCCESS / BACKPRESSURE / DROPPED). The session has already acted on it, so callers
// may ignore it; a fan-out may count it, or stop sending to a session that is gone.
enum class send_result : std::uint8_t {
  queued,         // on the active transport's queue (a WebSocket writes it at the end of the turn)
  slow_consumer,  // it took the queue past send-queue-bytes: the session closed (slow_consumer)
  closed,         // the session (or the namespace socket) was already closed: dropped
};

// An encoded packet on its way out. Text packets hold their full Engine.IO text form ("4...",
// "2", "6"); binary messages hold the raw bytes. The bytes are immutable and shared, so one
// packet built for a broadcast is queued on many sessions without being copied.
using shared_bytes = std::shared_ptr<const std::string>;

struct outgoing {
  shared_bytes bytes;
  bool binary = false;
  // Non-zero when `bytes` starts with a ready WebSocket frame header of this many bytes: a
  // broadcast frame built once and written as the same bytes to every WebSocket subscriber.
  std::uint8_t ws_header = 0;
  // permessage-deflate (server/engine/compression.hpp). deflate_tried: compression was
  // already decided for this packet, so a transport does not compress it again; deflated,
  // when that made it smaller: the same message as a whole compressed frame (RSV1 header of
  // deflated_header bytes in front), built once and written to every session that negotiated
  // compression, as `bytes` is to the others.
  bool deflate_tried = false;
  std::uint8_t deflated_header = 0;
  shared_bytes deflated = nullptr;

  // The Engine.IO packet itself (what polling sends, and what the queue bounds count).
  std::string_view packet() const noexcept {
    return {bytes->data() + ws_header, bytes->size() - ws_header};
  }
};

inline shared_bytes make_shared_bytes(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

// What a queued packet costs beyond its bytes (queue entry, shared string, allocator), counted
// against send-queue-bytes so that a flood of tiny packets is bounded by memory, not by bytes.
inline constexpr std::uint64_t queued_packet_overhead = 64;

// A text packet with its WebSocket frame header in front, in one allocation; or the packet
// given in parts, written one after another behind the header.
outgoing make_text_frame(std::string_view packet);
outgoing make_text_frame(std::span<const std::string_view> packet_parts);

// permessage-deflate: negotiated when on and the client offers it; messages shorter than
// `threshold` bytes go uncompressed (the extension allows mixing, message by message).
struct compression_options {
  bool enabled = true;
  std::uint64_t threshold = 256;
};

struct engine_options {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::uint64_t max_payload = 1000000;
  bool allow_eio3 = true;
  std::uint64_t send_queue_bytes = 1048576;  // per-session bound before slow_consumer
  std::string sid_prefix;                     // "<node-id>_" or empty
  protocol::address_ranges trusted_proxies;  // whose X-Forwarded-For is believed
  compression_options compression;
};

class session;

// What the layer above an Engine.IO session implements (Socket.IO, or the echo of the
// conformance server). Called on the session's loop only.
class session_handler {
 public:
  virtual ~session_handler() = default;
  // The open packet is queued; the handler may send its first packets now.
  virtual void on_open() = 0;
  virtual void on_message(std::string_view text) = 0;
  virtual void on_binary(std::string_view bytes) = 0;
  // Called once; the session sends nothing more afterwards.
  virtual void on_close(close_reason reason) = 0;
};

using handler_factory = std::function<std::unique_ptr<session_handler>(session&)>;

// Decides whether a new session may open, and hears when one it let in has ended: a session
// refused is closed (server_close) as soon as it opens and never reaches the layer above.
// The engine knows no more of it than this; connection limits (server/limits/session_limit.hpp)
// are one. Why not a handler wrapping the real one: that was an allocation per session only to
// hold the slot; the session keeps one bit instead (session::admit).
// Called on the session's loop; must outlive every session of the endpoint.
class session_admission {
 public:
  virtual ~session_admission() = default;
  // When `s` has its remote address, before its handler is made.
  virtual bool admit(const session& s) = 0;
  // Once for every session admit() let in: when it ends (after its handler's on_close), or
  // when its registry goes without it having ended.
  virtual void release(const session& s) noexcept = 0;
};

}  // namespace txrt::engine
