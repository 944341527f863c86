// protocol/websocket/upgrade: the accept key of RFC 6455's example, the exact 101 answer, each
// malformed request with the refusal Beast gave, and the token lists of Connection / Upgrade.
#include "protocol/websocket/upgrade.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace txrt::protocol::ws;

namespace {

upgrade_request good() {
  upgrade_request r;
  r.connection = "Upgrade";
  r.upgrade = "websocket";
  r.key = "dGhlIHNhbXBsZSBub25jZQ==";
  r.version = "13";
  return r;
}

}  // namespace

TEST_CASE("upgrade: the accept key of RFC 6455 §1.3") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("upgrade: the 101 answer, with and without an extension") {
  CHECK(switching_protocols("dGhlIHNhbXBsZSBub25jZQ==") ==
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nServer: txrt\r\n\r\n");
  CHECK(switching_protocols("dGhlIHNhbXBsZSBub25jZQ==", "permessage-deflate") ==
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nServer: txrt\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
}

TEST_CASE("upgrade: a well-formed request passes") {
  CHECK(check_upgrade(good()) == upgrade_error::none);
  auto r = good();
  r.connection = "keep-alive, Upgrade";
  r.upgrade = " WebSocket ";
  CHECK(check_upgrade(r) == upgrade_error::none);
}

TEST_CASE("upgrade: each malformed request, in Beast's order") {
  auto r = good();
  r.http_version = 10;
  r.is_get = false;  // the version is looked at first
  CHECK(check_upgrade(r) == upgrade_error::bad_http_version);
  r = good();
  r.is_get = false;
  CHECK(check_upgrade(r) == upgrade_error::bad_method);
  r = good();
  r.has_host = false;
  CHECK(check_upgrade(r) == upgrade_error::no_host);
  r = good();
  r.connection.reset();
  CHECK(check_upgrade(r) == upgrade_error::no_connection);
  r.connection = "keep-alive, upgraded";
  CHECK(check_upgrade(r) == upgrade_error::no_connection_upgrade);
  r = good();
  r.upgrade.reset();
  CHECK(check_upgrade(r) == upgrade_error::no_upgrade);
  r.upgrade = "h2c";
  CHECK(check_upgrade(r) == upgrade_error::no_upgrade_websocket);
  r = good();
  r.key.reset();
  CHECK(check_upgrade(r) == upgrade_error::no_sec_key);
  for (auto bad : {"", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ===",
                   "dGhlIHNhbXBsZSBub25j!Q==", "dGhlIHNhbXBsZSBub25jZXh4"}) {
    r.key = bad;
    CHECK(check_upgrade(r) == upgrade_error::bad_sec_key);
  }
  r = good();
  r.version.reset();
  CHECK(check_upgrade(r) == upgrade_error::no_sec_version);
  r.version = "8";
  CHECK(check_upgrade(r) == upgrade_error::bad_sec_version);
}

TEST_CASE("upgrade: the refusals") {
  CHECK(upgrade_refusal(upgrade_error::bad_sec_version, 11) ==
        "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nServer: txrt\r\n"
        "Connection: close\r\nContent-Length: 62\r\n\r\n"
        "The WebSocket handshake Sec-WebSocket-Version field is invalid");
  const auto missing = upgrade_refusal(upgrade_error::no_sec_key, 11);
  CHECK(missing.starts_with("HTTP/1.1 400 Bad Request\r\n"));
  CHECK(missing.ends_with("\r\n\r\nThe WebSocket handshake Sec-WebSocket-Key field is missing"));
  CHECK(upgrade_refusal(upgrade_error::bad_http_version, 10).starts_with("HTTP/1.0 400 "));
}

TEST_CASE("upgrade: token lists") {
  CHECK(has_token("Upgrade", "upgrade"));
  CHECK(has_token("keep-alive,upgrade", "upgrade"));
  CHECK(has_token("keep-alive , UPGRADE ,x", "upgrade"));
  CHECK_FALSE(has_token("", "upgrade"));
  CHECK_FALSE(has_token("upgrades", "upgrade"));
  CHECK_FALSE(has_token("keep-alive", "upgrade"));
}
