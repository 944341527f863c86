#pragma once
// HTTP long-polling payloads: several packets in one request or response body.
//
// v4: packets joined by the record separator 0x1E; a binary message is "b" + standard base64
//     (with padding) of its bytes and has no "4" digit.
// v3 (string form, Content-Type text/plain): each packet prefixed by its length in UTF-16 code
//     units and a colon: "6:4hello2:40"; with b64 a binary message is "<len>:b4<base64>".
// v3 (binary form, Content-Type application/octet-stream, used when the client supports binary
//     and the payload holds a binary packet): per packet one byte 0 (string) or 1 (binary), the
//     decimal digits of the byte length as bytes 0..9, the byte 255, then the packet: a string
//     packet as its text ("4hello"), a binary packet as the type byte 4 then the bytes.
#include <string>
#include <string_view>
#include <vector>

#include "protocol/engineio/packet.hpp"

namespace txrt::eio {

// A packet that owns its bytes (base64 had to be decoded, or the body will not outlive it).
struct owned_packet {
  packet_type type = packet_type::message;
  bool binary = false;
  std::string data;
};

// Decodes a POST body. `max_packets` bounds the work a hostile body can cause.
// Errors: empty_packet, unknown_packet_type, bad_base64, bad_length_prefix.
result<std::vector<owned_packet>> decode_payload_v4(std::string_view body,
                                                    std::size_t max_packets = 10000);
// `binary_body` selects the v3 binary form (request Content-Type application/octet-stream).
result<std::vector<owned_packet>> decode_payload_v3(std::string_view body, bool binary_body,
                                                    std::size_t max_packets = 10000);

// One packet queued for a polling response: text packets hold their full text form including
// the type digit ("4hello", "2"); binary messages hold the raw bytes.
struct outgoing_packet {
  bool binary = false;
  std::string_view bytes;
};

// Appends a v4 response body.
void encode_payload_v4(const std::vector<outgoing_packet>& packets, std::string& out);

// Appends a v3 response body. With `binary_form` false the string form is used and binary
// messages are base64 ("b4..."); with true the binary form is used. Callers choose the binary
// form only when the client supports binary (no b64=1 in the query) and a packet is binary.
void encode_payload_v3(const std::vector<outgoing_packet>& packets, bool binary_form,
                       std::string& out);

// Length of a UTF-8 string in UTF-16 code units (what v3 length prefixes count). Invalid
// UTF-8 bytes count one unit each.
std::size_t utf16_length(std::string_view utf8) noexcept;

}  // namespace txrt::eio
