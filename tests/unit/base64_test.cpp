// protocol/base64: exact encodings, round trips of every byte value, and strict rejection of
// everything that is not padded standard base64 (beast's own decoder would accept it).
#include "protocol/base64.hpp"

#include <catch2/catch.hpp>

#include <string>

using txrt::protocol::base64_decode;
using txrt::protocol::base64_encode;

namespace {

std::string encoded(std::string_view in) {
  std::string out;
  base64_encode(in, out);
  return out;
}

}  // namespace

TEST_CASE("base64 encodes with padding", "[base64]") {
  CHECK(encoded("") == "");
  CHECK(encoded("f") == "Zg==");
  CHECK(encoded("fo") == "Zm8=");
  CHECK(encoded("foo") == "Zm9v");
  CHECK(encoded("foobar") == "Zm9vYmFy");
  CHECK(encoded(std::string_view("\x01\x02\x03\x04", 4)) == "AQIDBA==");
  CHECK(encoded(std::string_view("\xfb\xff\xbf", 3)) == "+/+/");
}

TEST_CASE("base64 encode and decode append", "[base64]") {
  std::string out = "b";
  base64_encode("foo", out);
  CHECK(out == "bZm9v");
  std::string bytes = "x";
  REQUIRE(base64_decode("Zm9v", bytes));
  CHECK(bytes == "xfoo");
}

TEST_CASE("base64 decodes exact bytes", "[base64]") {
  std::string out;
  REQUIRE(base64_decode("AQIDBA==", out));
  CHECK(out == std::string("\x01\x02\x03\x04", 4));
  out.clear();
  REQUIRE(base64_decode("Zm8=", out));
  CHECK(out == "fo");
  out.clear();
  REQUIRE(base64_decode("", out));
  CHECK(out.empty());
}

TEST_CASE("base64 round trips every byte value at every length", "[base64]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); ++len) {
    const std::string_view in(all.data() + (256 - len), len);
    std::string text, back;
    base64_encode(in, text);
    CHECK(text.size() == (len + 2) / 3 * 4);
    REQUIRE(base64_decode(text, back));
    CHECK(back == in);
  }
}

TEST_CASE("base64 rejects malformed input and leaves the output alone", "[base64]") {
  const char* bad[] = {
      "A",             // length not a multiple of 4
      "AQIDB",         // idem
      "AQIDBA=",       // padding that makes the length wrong
      "AQ=D",          // '=' inside
      "A===",          // three padding characters
      "====",          // only padding
      "AQI!",          // outside the alphabet
      "AQ-_",          // the URL-safe alphabet is not standard base64
      "AQID\nBA==",    // line breaks are not allowed
      " AQI",          // nor spaces
      "AQIDBA==AQID",  // data after padding
  };
  for (const char* text : bad) {
    INFO(text);
    std::string out = "keep";
    CHECK_FALSE(base64_decode(text, out));
    CHECK(out == "keep");
  }
}
