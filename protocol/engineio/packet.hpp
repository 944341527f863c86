#pragma once
// Engine.IO packets: the type digit and its payload, for protocol v4 (socket.io v3/v4 clients)
// and v3 (socket.io v2 clients). Pure: no I/O, no clock.
//
// Wire forms handled here:
//   WebSocket text frame   "<digit><data>"                      (v3 and v4)
//   WebSocket binary frame  raw bytes                            (v4)
//                           0x04 followed by the bytes           (v3: the type travels as a byte)
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace txrt::eio {

using protocol::errc;
using protocol::result;

enum class version : std::uint8_t { v3 = 3, v4 = 4 };

enum class packet_type : std::uint8_t {
  open = 0,
  close = 1,
  ping = 2,
  pong = 3,
  message = 4,
  upgrade = 5,
  noop = 6,
};

// A decoded packet. `data` views the caller's input; it is the text after the type digit, or,
// when `binary` is set, the raw bytes of a binary message.
struct packet {
  packet_type type = packet_type::message;
  bool binary = false;
  std::string_view data;
};

// "4hello" -> {message, "hello"}. Errors: empty_packet, unknown_packet_type.
result<packet> decode_text(std::string_view text) noexcept;

// A WebSocket binary frame. v4: the frame is a binary message. v3: the first byte is the packet
// type (0..6 as a byte, normally 4); the rest is the data. Errors: empty_packet (v3 with no type
// byte), unknown_packet_type.
result<packet> decode_ws_binary(version v, std::string_view frame) noexcept;

// Appends the text form of a packet: the type digit then `data`.
void encode_text(packet_type type, std::string_view data, std::string& out);

// Appends the WebSocket binary frame payload of a binary message (v3 prefixes the 0x04 byte).
void encode_ws_binary(version v, std::string_view bytes, std::string& out);

}  // namespace txrt::eio
