// The compact pieces of a client's state: the reported info buffer and the raw token digest.
#include <catch2/catch.hpp>

#include <string>

#include "app/client.hpp"
#include "auth/token_digest.hpp"

using txrt::telecomx::reported_info;

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
