// server/socketio/event_frame: the one encoder the application emits through — exact bytes of
// the Engine.IO + Socket.IO packet and its WebSocket frame header.
#include "server/socketio/event_frame.hpp"

#include <catch2/catch.hpp>

#include <string>

using txrt::sio::encode_event;

TEST_CASE("encode_event builds 42[\"name\",args] behind a WebSocket text frame header", "[sio]") {
  const auto out = encode_event("PBX", R"({"event":"X"})");
  CHECK(out.packet() == R"(42["PBX",{"event":"X"}])");
  CHECK_FALSE(out.binary);
  REQUIRE(out.ws_header == 2);  // FIN + text opcode, 7-bit length
  CHECK(static_cast<unsigned char>((*out.bytes)[0]) == 0x81);
  CHECK(static_cast<unsigned char>((*out.bytes)[1]) == out.packet().size());
}

TEST_CASE("encode_event without arguments", "[sio]") {
  CHECK(encode_event("ping", "").packet() == R"(42["ping"])");
}

TEST_CASE("encode_event uses the 16-bit length form past 125 bytes", "[sio]") {
  const std::string args = "\"" + std::string(200, 'a') + "\"";
  const auto out = encode_event("CALL", args);
  REQUIRE(out.ws_header == 4);
  const auto size = out.packet().size();
  CHECK(static_cast<unsigned char>((*out.bytes)[1]) == 126);
  CHECK(((static_cast<unsigned char>((*out.bytes)[2]) << 8) |
         static_cast<unsigned char>((*out.bytes)[3])) == static_cast<int>(size));
}

TEST_CASE("encode_event writes the tail right after the arguments, in the header's length", "[sio]") {
  const auto out = encode_event("PBX", R"({"event":"X"})", R"(,"17-0")");
  CHECK(out.packet() == R"(42["PBX",{"event":"X"},"17-0"])");
  REQUIRE(out.ws_header == 2);
  CHECK(static_cast<unsigned char>((*out.bytes)[1]) == out.packet().size());
  CHECK(out.bytes->size() == out.ws_header + out.packet().size());
  // A tail alone still gets its separating comma.
  CHECK(encode_event("x", "", "1").packet() == R"(42["x",1])");
}
