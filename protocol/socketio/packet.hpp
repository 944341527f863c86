#pragma once
// Socket.IO packets (inside an Engine.IO message). Protocol v5 is what socket.io-client v3/v4
// speak; v4 is the protocol of socket.io-client v2 (over Engine.IO v3).
//
//   <type>[<attachments>-][<nsp>,][<ack id>][<JSON>]
//
// type: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR (v4: ERROR), 5 BINARY_EVENT,
// 6 BINARY_ACK. The namespace is present only when it is not "/" and ends at the first ','
// or at the end of the packet. In v4 a CONNECT namespace may carry a query: "0/admin?x=1,".
// Decoding validates everything the server relies on and never re-serialises the JSON: the
// payload is returned as a view of the input so that it can be passed through byte for byte.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace txrt::sio {

using protocol::errc;
using protocol::result;

enum class version : std::uint8_t { v4 = 4, v5 = 5 };

enum class packet_type : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct packet {
  packet_type type = packet_type::event;
  std::string_view nsp = "/";
  std::string_view query;               // v4 CONNECT only: text after '?' in the namespace
  std::optional<std::uint64_t> ack_id;
  std::uint32_t attachments = 0;        // binary_event / binary_ack only
  std::string_view data;                // raw JSON text, empty when absent
};

// Limits that bound the work a hostile packet can cause.
struct decode_limits {
  std::uint32_t max_attachments = 64;
  // The text and the attachments of one binary packet together, checked by the Socket.IO layer
  // while the attachments arrive: each attachment is bounded only by the Engine.IO max-payload,
  // so without this a client could make the server hold max_attachments of them (64 MB) for
  // as long as it keeps the packet unfinished.
  std::uint64_t max_binary_bytes = 1000000;
};

// Validates:
//  - the type digit (unknown_packet_type), the "<n>-" attachment count of types 5/6
//    (bad_attachment_count; must be >= 1 and <= max_attachments), the namespace (bad_namespace:
//    must start with '/'), the ack id (bad_ack_id: at most 15 digits, only on EVENT/ACK types);
//  - the JSON (bad_json) when present;
//  - EVENT / BINARY_EVENT: a non-empty array whose first element is a string
//    (bad_event_payload); ACK / BINARY_ACK: an array (bad_event_payload);
//  - CONNECT v5: absent or a JSON object (bad_connect_payload); DISCONNECT: no payload;
//  - types 5/6: the placeholders {"_placeholder":true,"num":K} number exactly `attachments`,
//    each K in [0, attachments) once (bad_placeholder).
// The simdjson parser needs padded input; the implementation copies into its own padded buffer.
result<packet> decode(version v, std::string_view text, const decode_limits& limits = {});

// Appends "<type>[<n>-][<nsp>,][<ack id>]" (the namespace only when it is not "/").
void encode_header(packet_type type, std::string_view nsp, std::optional<std::uint64_t> ack_id,
                   std::uint32_t attachments, std::string& out);

// An EVENT payload split without re-serialising: name unescaped, args the raw text between the
// first element and the closing bracket, without the leading comma: for
// ["message",1,"2",{"3":[true]}] name is "message" and args is 1,"2",{"3":[true]}.
struct event_view {
  std::string name;
  std::string_view args;  // views the input; empty when the event has no arguments
};
result<event_view> split_event(std::string_view array_json);

// The raw elements of a JSON array ("[1,2]" -> "1,2"), without re-serialising.
result<std::string_view> array_body(std::string_view array_json);

// Appends a JSON string literal with the escapes JSON requires.
void append_json_string(std::string_view s, std::string& out);

// Appends an EVENT array: ["<name>",<args>] (args may be empty).
void encode_event_array(std::string_view name, std::string_view raw_args, std::string& out);

}  // namespace txrt::sio
