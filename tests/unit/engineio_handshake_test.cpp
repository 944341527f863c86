// protocol/engineio/handshake: the open packet's exact bytes and the query of Engine.IO
// requests (what the server's 400 answers are decided on).
#include "protocol/engineio/handshake.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace txrt::eio;

TEST_CASE("v4 open packet has exactly the five keys in order", "[eio][handshake]") {
  open_params p;
  p.sid = "AbC_12-x";
  p.upgrade_to_websocket = true;
  CHECK(encode_open(version::v4, p) ==
        R"(0{"sid":"AbC_12-x","upgrades":["websocket"],"pingInterval":25000,)"
        R"("pingTimeout":20000,"maxPayload":1000000})");
  p.upgrade_to_websocket = false;
  p.ping_interval_ms = 300;
  p.ping_timeout_ms = 200;
  CHECK(encode_open(version::v4, p) ==
        R"(0{"sid":"AbC_12-x","upgrades":[],"pingInterval":300,"pingTimeout":200,)"
        R"("maxPayload":1000000})");
  p.max_payload = 4294967296ULL * 3;
  CHECK(encode_open(version::v4, p).find(R"("maxPayload":12884901888})") != std::string::npos);
}

TEST_CASE("v3 open packet has no maxPayload", "[eio][handshake]") {
  open_params p;
  p.sid = "s1";
  p.upgrade_to_websocket = true;
  CHECK(encode_open(version::v3, p) ==
        R"(0{"sid":"s1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000})");
  p.upgrade_to_websocket = false;
  CHECK(encode_open(version::v3, p) ==
        R"(0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000})");
}

TEST_CASE("open packet escapes an unexpected sid", "[eio][handshake]") {
  open_params p;
  p.sid = "a\"b\\";
  CHECK(encode_open(version::v3, p).rfind(R"(0{"sid":"a\"b\\",)", 0) == 0);
}

TEST_CASE("engine query: a polling handshake", "[eio][handshake]") {
  const auto q = parse_engine_query("/socket.io/?EIO=4&transport=polling&t=N8hyd6w");
  REQUIRE(q);
  CHECK(q->has_eio);
  CHECK(q->eio == 4);
  CHECK(q->eio_raw == "4");
  CHECK(q->has_transport);
  CHECK(q->transport_valid);
  CHECK(q->transport == transport_kind::polling);
  CHECK(q->sid.empty());
  CHECK_FALSE(q->b64);
  CHECK_FALSE(q->jsonp);
}

TEST_CASE("engine query: a v3 websocket with sid and b64", "[eio][handshake]") {
  const auto q = parse_engine_query("/socket.io/?EIO=3&transport=websocket&sid=a%2Db_c&b64=1");
  REQUIRE(q);
  CHECK(q->eio == 3);
  CHECK(q->transport == transport_kind::websocket);
  CHECK(q->transport_valid);
  CHECK(q->sid == "a-b_c");  // percent-decoded
  CHECK(q->b64);
  CHECK(parse_engine_query("/?b64=true")->b64);
  CHECK_FALSE(parse_engine_query("/?b64=0")->b64);
}

TEST_CASE("engine query: bad or missing EIO and transport", "[eio][handshake]") {
  const auto none = parse_engine_query("/engine.io/");
  REQUIRE(none);
  CHECK_FALSE(none->has_eio);
  CHECK(none->eio == 0);
  CHECK_FALSE(none->has_transport);
  CHECK_FALSE(none->transport_valid);

  const auto bad = parse_engine_query("/engine.io/?EIO=abc&transport=abc");
  REQUIRE(bad);
  CHECK(bad->has_eio);
  CHECK(bad->eio == 0);
  CHECK(bad->eio_raw == "abc");
  CHECK(bad->has_transport);
  CHECK_FALSE(bad->transport_valid);

  CHECK(parse_engine_query("/?EIO=5")->eio == 0);
  CHECK(parse_engine_query("/?EIO=04")->eio == 0);
  CHECK(parse_engine_query("/?EIO")->has_eio);
  CHECK(parse_engine_query("/?EIO=4&EIO=3")->eio == 4);  // the first one wins
  CHECK(parse_engine_query("/?EIO=4&j=0")->jsonp);
}

TEST_CASE("engine query: targets that are not origin-form", "[eio][handshake]") {
  CHECK(parse_engine_query("").error == errc::bad_query);
  CHECK(parse_engine_query("socket.io/?EIO=4").error == errc::bad_query);
  CHECK(parse_engine_query("http://host/socket.io/?EIO=4").error == errc::bad_query);
  CHECK(parse_engine_query("/a b?EIO=4").error == errc::bad_query);
  CHECK(parse_engine_query("/?EIO=%zz").error == errc::bad_query);
}

TEST_CASE("target_path drops the query", "[eio][handshake]") {
  CHECK(target_path("/socket.io/?a=b") == "/socket.io/");
  CHECK(target_path("/engine.io/") == "/engine.io/");
  CHECK(target_path("/?") == "/");
  CHECK(target_path("") == "");
}
