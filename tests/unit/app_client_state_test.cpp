// The compact pieces of a client's state: the in-place socket id, the reported info buffer
// and the raw token digest.
#include <catch2/catch.hpp>

#include <string>

#include "app/client.hpp"
#include "app/short_text.hpp"
#include "auth/token_digest.hpp"

using txrt::telecomx::reported_info;
using txrt::telecomx::short_text;

TEST_CASE("short_text keeps any length, inline up to 31 bytes", "[app]") {
  for (std::size_t n : {0u, 1u, 20u, 30u, 31u, 32u, 33u, 200u}) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text.push_back(static_cast<char>('a' + i % 26));
    short_text s(text);
    CHECK(s.view() == text);
    CHECK(s == text);
    short_text copy(s);
    CHECK(copy.view() == text);
    short_text assigned(std::string(40, 'x'));
    assigned = s;
    CHECK(assigned.view() == text);
    assigned = assigned;  // self-assignment keeps it
    CHECK(assigned.view() == text);
  }
  CHECK(short_text().view().empty());
  CHECK(short_text(std::string_view("a\0b", 3)).view() == std::string_view("a\0b", 3));
}

TEST_CASE("reported_info gives back the three strings, empty ones too", "[app]") {
  reported_info r;
  CHECK(r.client_name().empty());
  CHECK(r.instance_id().empty());
  CHECK(r.ip().empty());
  r.assign("seed", "", "10.0.0.1");
  CHECK(r.client_name() == "seed");
  CHECK(r.instance_id().empty());
  CHECK(r.ip() == "10.0.0.1");
  r.assign("", "i-1", "");
  CHECK(r.client_name().empty());
  CHECK(r.instance_id() == "i-1");
  CHECK(r.ip().empty());
}

TEST_CASE("the raw token digest is the hex digest's bytes", "[auth]") {
  using txrt::auth::to_hex;
  using txrt::auth::token_sha1_of;
  CHECK(to_hex(token_sha1_of("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(to_hex(token_sha1_of("")) == txrt::auth::token_digest(""));
  CHECK(token_sha1_of("a") != token_sha1_of("b"));
}
