#pragma once
// Request / reply (SPEC §7) on the wire. Pure: no Asio, no clock, no Redis names.
//
// Four texts meet here, each parsed once:
//  - the client's `request` / `reply` payload            parse_client_message
//  - the request record, value of <prefix>request:<id>   request_record_json / parse_request_record
//  - the bus envelope on <prefix>employee:<id>           request_envelope_json /
//                                                        reply_envelope_json / parse_envelope
//  - the REQUEST / REPLY event argument                  bus_envelope::event_args
//
// The record and the envelope travel between nodes, and during a rolling deploy those nodes
// run different versions: their field names, order and shapes are frozen (the unit tests pin
// the exact strings). A target is {"employee":..,"instanceId":..|null}; `data` is copied as the
// client wrote it (raw JSON text, never re-serialised), `null` when absent.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/telecomx/identity.hpp"

namespace txrt::telecomx {

// The longest employee id, instance id, request name or request id a client may send.
inline constexpr std::size_t max_request_field = 128;

struct request_target {
  std::string employee;
  std::string instance_id;  // empty: every instance of the employee

  friend bool operator==(const request_target&, const request_target&) = default;
};

// ---------------------------------------------------------------------------------------------
// The client's payload: request {to, request, data?, replyTo?} or reply {to, request,
// requestId, data?}. Anything else in it (a client's `from`, unknown keys) is ignored.

enum class message_kind : std::uint8_t { request, reply };

struct client_message {
  std::string error;  // non-empty: the payload is invalid; says which field (never its value)
  request_target to;
  std::string request;
  std::string request_id;                  // reply only
  std::string data = "null";               // raw JSON
  std::optional<request_target> reply_to;  // request only; nullopt when absent or null
};

// `args`: the event's arguments as valid JSON text, comma-separated; the payload is the first.
// A request name that differs from a CommunicatorZeroTier* name only by case is invalid: it
// would escape the zero-tier rule on a client that compares names without case.
client_message parse_client_message(std::string_view args, message_kind kind);

// Whether `request` may only travel between the sockets of one employee (SPEC §7). Case
// matters (parse_client_message refuses the names that differ only by case).
inline constexpr std::string_view zero_tier_prefix = "CommunicatorZeroTier";
constexpr bool is_zero_tier(std::string_view request) noexcept {
  return request.starts_with(zero_tier_prefix);
}

// Why the sending socket cannot travel in an envelope, or empty. Everything else in an envelope
// comes through parse_client_message or the validator, but the socket's instanceId comes from
// `authenticate`, which keeps a prefix of at most 256 bytes that may end inside a UTF-8
// character: an envelope holding it would not be JSON, and the delivering node would drop it
// after the sender had been told success.
std::string_view sender_error(const request_target& from, const identity& sender);

// ---------------------------------------------------------------------------------------------
// The request record: {"employee":<recipient>,"request":..,"replyTo":<target>|null,
// "instanceId":<to.instanceId>|null}. Only the recipient may answer (only the addressed
// instance, when the request named one), only with the same request name, only towards
// replyTo. `instanceId` came last (records of older nodes lack it: any instance may answer).

std::string request_record_json(const client_message& request);

struct request_record {
  std::string employee;
  std::string request;
  bool wants_reply = false;                // replyTo present and not null
  std::optional<request_target> reply_to;  // set when wants_reply and replyTo is a target
  std::string instance_id;                 // the addressed instance; empty: any
};

// nullopt when `text` is not a record (not JSON, not an object, employee or request missing,
// instanceId present and neither a string nor null).
std::optional<request_record> parse_request_record(std::string_view text);

// ---------------------------------------------------------------------------------------------
// The bus envelope.
//   request: {"kind":"request","requestId":..,"request":..,"from":<target>,"sender":<identity>,
//             "to":<target>,"replyTo":<target>|null,"data":..}
//   reply:   {"kind":"reply","requestId":..,"request":..,"from":<target>,"to":<target>,
//             "data":..}
// `from` is the sending socket (the server's, never the client's); `sender` is its identity
// (telecomx::to_json), which the delivering node checks again.

std::string request_envelope_json(const client_message& request, std::string_view request_id,
                                  const request_target& from, const identity& sender);
std::string reply_envelope_json(const client_message& reply, const request_target& from);

enum class envelope_kind : std::uint8_t { request, reply };

// The event the recipient's sockets get: "REQUEST" or "REPLY".
constexpr std::string_view event_name(envelope_kind kind) noexcept {
  return kind == envelope_kind::request ? "REQUEST" : "REPLY";
}

struct bus_envelope {
  envelope_kind kind = envelope_kind::request;
  request_target to;
  std::string request;  // request only
  identity sender;      // request only
  // The event's argument, from the envelope's raw member text (a member that is missing is
  // null): REQUEST {"from","request","requestId","data","replyTo"}; REPLY {"from","to",
  // "request","requestId","data"}.
  std::string event_args;
};

enum class envelope_status : std::uint8_t {
  ok,
  malformed,  // not JSON, not an object, or no string `kind`: worth a warning
  ignored,    // another kind, no valid `to`, or a request without a string `request` or a
              // valid `sender`: dropped without a word (what older versions did too)
};

struct envelope_result {
  envelope_status status = envelope_status::malformed;
  bus_envelope envelope;  // set when ok
};

envelope_result parse_envelope(std::string_view payload);

// ---------------------------------------------------------------------------------------------
// The ack of an accepted request or reply: {"success":true,"requestId":..}.
std::string request_accepted_json(std::string_view request_id);

}  // namespace txrt::telecomx
