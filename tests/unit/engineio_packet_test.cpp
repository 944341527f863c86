// protocol/engineio/packet: the type digit of text packets, the binary frames of v3 and v4,
// and (here because it has no codec of its own) protocol::describe().
#include "protocol/engineio/packet.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace txrt::eio;

TEST_CASE("engine.io text packets decode to type and data", "[eio][packet]") {
  const auto msg = decode_text("4hello");
  REQUIRE(msg);
  CHECK(msg->type == packet_type::message);
  CHECK_FALSE(msg->binary);
  CHECK(msg->data == "hello");

  const auto probe = decode_text("2probe");
  REQUIRE(probe);
  CHECK(probe->type == packet_type::ping);
  CHECK(probe->data == "probe");

  const char* digits = "0123456";
  for (int t = 0; t <= 6; ++t) {
    const auto p = decode_text(std::string_view(digits + t, 1));
    REQUIRE(p);
    CHECK(static_cast<int>(p->type) == t);
    CHECK(p->data.empty());
  }
}

TEST_CASE("engine.io text packet data views the input", "[eio][packet]") {
  const std::string text = "4{\"a\":1}";
  const auto p = decode_text(text);
  REQUIRE(p);
  CHECK(p->data.data() == text.data() + 1);
  CHECK(p->data.size() == text.size() - 1);
}

TEST_CASE("engine.io text packets reject bad type digits", "[eio][packet]") {
  CHECK(decode_text("").error == errc::empty_packet);
  CHECK(decode_text("abc").error == errc::unknown_packet_type);
  CHECK(decode_text("7").error == errc::unknown_packet_type);
  CHECK(decode_text("9hello").error == errc::unknown_packet_type);
  CHECK(decode_text("/4").error == errc::unknown_packet_type);  // the byte just below '0'
  CHECK(decode_text(std::string_view("\x04hi", 3)).error == errc::unknown_packet_type);
  CHECK(decode_text("b4AQID").error == errc::unknown_packet_type);  // polling-only form
}

TEST_CASE("engine.io text packet prefixes fail or decode to less", "[eio][packet]") {
  const std::string text = "4hello";
  for (std::size_t k = 0; k < text.size(); ++k) {
    const auto p = decode_text(std::string_view(text).substr(0, k));
    if (k == 0) {
      CHECK(p.error == errc::empty_packet);
    } else {
      REQUIRE(p);
      CHECK(p->data == text.substr(1, k - 1));
    }
  }
}

TEST_CASE("engine.io v4 binary frames are messages holding the raw bytes", "[eio][packet]") {
  const std::string frame("\x01\x02\x03\x04", 4);
  const auto p = decode_ws_binary(version::v4, frame);
  REQUIRE(p);
  CHECK(p->type == packet_type::message);
  CHECK(p->binary);
  CHECK(p->data == frame);

  const auto empty = decode_ws_binary(version::v4, "");
  REQUIRE(empty);
  CHECK(empty->binary);
  CHECK(empty->data.empty());
}

TEST_CASE("engine.io v3 binary frames carry the type as a byte", "[eio][packet]") {
  const std::string frame("\x04\x01\x02\x03", 4);
  const auto p = decode_ws_binary(version::v3, frame);
  REQUIRE(p);
  CHECK(p->type == packet_type::message);
  CHECK(p->binary);
  CHECK(p->data == std::string("\x01\x02\x03", 3));

  CHECK(decode_ws_binary(version::v3, "").error == errc::empty_packet);
  CHECK(decode_ws_binary(version::v3, std::string_view("\x07", 1)).error ==
        errc::unknown_packet_type);
  CHECK(decode_ws_binary(version::v3, "4hello").error == errc::unknown_packet_type);  // '4'
}

TEST_CASE("engine.io packets encode to their exact wire form", "[eio][packet]") {
  std::string out;
  encode_text(packet_type::message, "hello", out);
  CHECK(out == "4hello");
  out.clear();
  encode_text(packet_type::pong, "probe", out);
  CHECK(out == "3probe");
  out.clear();
  encode_text(packet_type::noop, "", out);
  CHECK(out == "6");
  encode_text(packet_type::close, "", out);  // appends
  CHECK(out == "61");

  std::string bin;
  encode_ws_binary(version::v4, std::string_view("\x01\x02", 2), bin);
  CHECK(bin == std::string("\x01\x02", 2));
  bin.clear();
  encode_ws_binary(version::v3, std::string_view("\x01\x02", 2), bin);
  CHECK(bin == std::string("\x04\x01\x02", 3));
}

TEST_CASE("engine.io encode and decode round trip", "[eio][packet]") {
  for (int t = 0; t <= 6; ++t) {
    std::string text;
    encode_text(static_cast<packet_type>(t), "payload", text);
    const auto p = decode_text(text);
    REQUIRE(p);
    CHECK(static_cast<int>(p->type) == t);
    CHECK(p->data == "payload");
  }
  std::string frame;
  encode_ws_binary(version::v3, "bytes", frame);
  const auto p = decode_ws_binary(version::v3, frame);
  REQUIRE(p);
  CHECK(p->data == "bytes");
}

TEST_CASE("every error has its own non-empty description", "[protocol]") {
  using txrt::protocol::describe;
  std::set<std::string_view> seen;
  for (int e = 0; e <= static_cast<int>(errc::bad_query); ++e) {
    const auto text = describe(static_cast<errc>(e));
    CHECK_FALSE(text.empty());
    CHECK(seen.insert(text).second);
  }
  CHECK(describe(errc::bad_base64) == "invalid base64");
}
