// protocol/engineio/payload: polling bodies of v4 (0x1E separated) and v3 (length prefixed,
// string and binary forms), exact bytes both ways, every prefix, and malformed bodies.
#include "protocol/engineio/payload.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace txrt::eio;

namespace {

using namespace std::string_literals;

std::string encode_v4(const std::vector<outgoing_packet>& packets) {
  std::string out;
  encode_payload_v4(packets, out);
  return out;
}

std::string encode_v3(const std::vector<outgoing_packet>& packets, bool binary_form) {
  std::string out;
  encode_payload_v3(packets, binary_form, out);
  return out;
}

const std::string bytes1234 = "\x01\x02\x03\x04"s;

}  // namespace

TEST_CASE("v4 payload decodes packets joined by 0x1E", "[eio][payload]") {
  const auto r = decode_payload_v4(
      "4test1\x1e"
      "4test2\x1e"
      "4test3");
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK((*r)[i].type == packet_type::message);
    CHECK_FALSE((*r)[i].binary);
    CHECK((*r)[i].data == "test" + std::to_string(i + 1));
  }
}

TEST_CASE("v4 payload binary messages are b + base64", "[eio][payload]") {
  const auto r = decode_payload_v4(
      "2\x1e"
      "bAQIDBA==\x1e"
      "b");
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].type == packet_type::ping);
  CHECK((*r)[1].type == packet_type::message);
  CHECK((*r)[1].binary);
  CHECK((*r)[1].data == bytes1234);
  CHECK((*r)[2].binary);  // "b" alone: an empty binary message
  CHECK((*r)[2].data.empty());
}

TEST_CASE("v4 payload encodes exact bodies", "[eio][payload]") {
  CHECK(encode_v4({}) == "");
  CHECK(encode_v4({{false, "2"}}) == "2");
  CHECK(encode_v4({{false, "4test1"}, {false, "4test2"}, {false, "4test3"}}) ==
        "4test1\x1e"
        "4test2\x1e"
        "4test3");
  CHECK(encode_v4({{true, bytes1234}}) == "bAQIDBA==");
  CHECK(encode_v4({{false, "6"}, {true, bytes1234}}) ==
        "6\x1e"
        "bAQIDBA==");
}

TEST_CASE("v4 payload round trips", "[eio][payload]") {
  const std::string body = encode_v4({{false, "4héllo"}, {true, "\x00\xff\x1e"s}, {false, "1"}});
  const auto r = decode_payload_v4(body);
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].data == "héllo");
  CHECK((*r)[1].data == "\x00\xff\x1e"s);
  CHECK((*r)[1].binary);
  CHECK((*r)[2].type == packet_type::close);
}

TEST_CASE("v4 payload rejects malformed bodies", "[eio][payload]") {
  CHECK(decode_payload_v4("").error == errc::empty_packet);
  CHECK(decode_payload_v4("4a\x1e").error == errc::empty_packet);
  CHECK(decode_payload_v4("\x1e"
                          "4a")
            .error == errc::empty_packet);
  CHECK(decode_payload_v4("abc").error == errc::unknown_packet_type);
  CHECK(decode_payload_v4("4a\x1e"
                          "abc")
            .error == errc::unknown_packet_type);
  CHECK(decode_payload_v4("bAQID!").error == errc::bad_base64);
  CHECK(decode_payload_v4("bAQIDBA").error == errc::bad_base64);
  CHECK(decode_payload_v4("4a\x1e"
                          "4b\x1e"
                          "4c",
                          2)
            .error == errc::payload_too_large);
  CHECK(
      decode_payload_v4("4a\x1e"
                        "4b",
                        2));
}

TEST_CASE("v4 payload prefixes never crash", "[eio][payload]") {
  const std::string body =
      "4test1\x1e"
      "bAQIDBA==\x1e"
      "2";
  for (std::size_t k = 0; k <= body.size(); ++k) {
    const auto r = decode_payload_v4(std::string_view(body).substr(0, k));
    if (r) CHECK(r->size() <= 3);
    if (k == body.size()) CHECK(r);
  }
}

TEST_CASE("utf16_length counts UTF-16 code units", "[eio][payload]") {
  CHECK(utf16_length("") == 0);
  CHECK(utf16_length("4hello") == 6);
  CHECK(utf16_length("é") == 1);             // 2 bytes
  CHECK(utf16_length("€") == 1);             // 3 bytes
  CHECK(utf16_length("😀") == 2);             // 4 bytes, a surrogate pair
  CHECK(utf16_length("\xff") == 1);          // invalid byte
  CHECK(utf16_length("\xe2\x82") == 2);      // truncated sequence: one per byte
  CHECK(utf16_length("\xed\xa0\x80") == 3);  // encoded surrogate is not valid UTF-8
  CHECK(utf16_length("\xc0\xaf") == 2);      // overlong
}

TEST_CASE("v3 string payload: exact bytes", "[eio][payload][v3]") {
  CHECK(encode_v3({{false, "4hello"}, {false, "40"}}, false) == "6:4hello2:40");
  CHECK(encode_v3({}, false) == "0:");
  CHECK(encode_v3({{false, "4é"}}, false) == "2:4é");
  CHECK(encode_v3({{false, "4😀"}}, false) == "3:4😀");
  CHECK(encode_v3({{true, bytes1234}}, false) == "10:b4AQIDBA==");

  const auto r = decode_payload_v3("6:4hello2:40", false);
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].type == packet_type::message);
  CHECK((*r)[0].data == "hello");
  CHECK((*r)[1].data == "0");
}

TEST_CASE("v3 string payload round trips multi-byte text and base64", "[eio][payload][v3]") {
  const std::string body =
      encode_v3({{false, "4😀é"}, {true, bytes1234}, {false, "2"}, {false, "4x"}}, false);
  CHECK(body == "4:4😀é10:b4AQIDBA==1:22:4x");
  const auto r = decode_payload_v3(body, false);
  REQUIRE(r);
  REQUIRE(r->size() == 4);
  CHECK((*r)[0].data == "😀é");
  CHECK((*r)[1].binary);
  CHECK((*r)[1].type == packet_type::message);
  CHECK((*r)[1].data == bytes1234);
  CHECK((*r)[2].type == packet_type::ping);
  CHECK((*r)[3].data == "x");

  const auto empty = decode_payload_v3("0:", false);
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("v3 string payload rejects malformed bodies", "[eio][payload][v3]") {
  CHECK(decode_payload_v3("", false).error == errc::empty_packet);
  CHECK(decode_payload_v3("x:4hello", false).error == errc::bad_length_prefix);
  CHECK(decode_payload_v3(":4hello", false).error == errc::bad_length_prefix);
  CHECK(decode_payload_v3("-1:4", false).error == errc::bad_length_prefix);
  CHECK(decode_payload_v3("12345678901:4", false).error == errc::bad_length_prefix);
  CHECK(decode_payload_v3("7:4hello", false).error == errc::bad_length_prefix);  // past the end
  CHECK(decode_payload_v3("6:4hello2", false).error == errc::bad_length_prefix);
  CHECK(decode_payload_v3("4hello", false).error == errc::bad_length_prefix);
  CHECK(decode_payload_v3("2:4😀", false).error == errc::bad_length_prefix);  // half a pair
  CHECK(decode_payload_v3("1:a", false).error == errc::unknown_packet_type);
  CHECK(decode_payload_v3("1:b", false).error == errc::empty_packet);
  CHECK(decode_payload_v3("3:bAQ", false).error == errc::unknown_packet_type);
  CHECK(decode_payload_v3("5:b4AQI", false).error == errc::bad_base64);
  CHECK(decode_payload_v3("1:21:21:2", false, 2).error == errc::payload_too_large);
}

TEST_CASE("v3 string payload prefixes never crash", "[eio][payload][v3]") {
  const std::string body = "4:4😀é10:b4AQIDBA==1:2";
  for (std::size_t k = 0; k <= body.size(); ++k) {
    const auto r = decode_payload_v3(std::string_view(body).substr(0, k), false);
    if (r) CHECK(r->size() <= 3);
    if (k == 0) CHECK(r.error == errc::empty_packet);
  }
}

TEST_CASE("v3 binary payload: exact bytes", "[eio][payload][v3]") {
  const std::string body = encode_v3({{false, "4hello"}, {true, "\x01\x02\x03"s}}, true);
  CHECK(body ==
        "\x00\x06\xff"
        "4hello"
        "\x01\x04\xff\x04\x01\x02\x03"s);
  // Lengths of two digits are written as two bytes.
  CHECK(encode_v3({{false, "4hello world"}}, true) ==
        "\x00\x01\x02\xff"
        "4hello world"s);
  CHECK(encode_v3({}, true).empty());
}

TEST_CASE("v3 binary payload round trips", "[eio][payload][v3]") {
  const std::string bin(300, '\xab');
  const std::string body = encode_v3({{false, "4héllo"}, {true, bin}, {false, "6"}}, true);
  const auto r = decode_payload_v3(body, true);
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].data == "héllo");
  CHECK_FALSE((*r)[0].binary);
  CHECK((*r)[1].binary);
  CHECK((*r)[1].type == packet_type::message);
  CHECK((*r)[1].data == bin);
  CHECK((*r)[2].type == packet_type::noop);
}

TEST_CASE("v3 binary payload rejects malformed bodies", "[eio][payload][v3]") {
  CHECK(decode_payload_v3("", true).error == errc::empty_packet);
  CHECK(decode_payload_v3("\x02\x01\xff"
                          "4"s,
                          true)
            .error == errc::bad_length_prefix);  // kind neither 0 nor 1
  CHECK(decode_payload_v3("\x00\x01"
                          "4"s,
                          true)
            .error == errc::bad_length_prefix);  // no 255
  CHECK(decode_payload_v3("\x00\x0a\xff"
                          "4"s,
                          true)
            .error == errc::bad_length_prefix);  // 10 is not a digit
  CHECK(decode_payload_v3("\x00\xff"s, true).error == errc::bad_length_prefix);  // no digits
  CHECK(decode_payload_v3("\x00\x05\xff"
                          "4ab"s,
                          true)
            .error == errc::bad_length_prefix);  // past the end
  CHECK(decode_payload_v3("\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\xff"s, true).error ==
        errc::bad_length_prefix);  // 11 digits
  CHECK(decode_payload_v3("\x01\x00\xff"s, true).error == errc::empty_packet);
  CHECK(decode_payload_v3("\x01\x01\xff\x09"s, true).error == errc::unknown_packet_type);
  CHECK(decode_payload_v3("\x00\x03\xff"
                          "abc"s,
                          true)
            .error == errc::unknown_packet_type);
  CHECK(decode_payload_v3("\x00\x01\xff"
                          "2\x00\x01\xff"
                          "2"s,
                          true, 1)
            .error == errc::payload_too_large);
}

TEST_CASE("v3 binary payload prefixes never crash", "[eio][payload][v3]") {
  const std::string body =
      encode_v3({{false, "4hello"}, {true, "\x01\x02\x03"s}, {false, "4abcdefghijk"}}, true);
  for (std::size_t k = 0; k <= body.size(); ++k) {
    const auto r = decode_payload_v3(std::string_view(body).substr(0, k), true);
    if (r) CHECK(r->size() <= 3);
    if (k == body.size()) CHECK(r);
  }
}
