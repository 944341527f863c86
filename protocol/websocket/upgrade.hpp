#pragma once
// The server's side of the WebSocket opening handshake (RFC 6455 §4.2): checking an upgrade
// request and the bytes of the answer. Pure: no I/O, no Asio; the transport writes the bytes.
// The checks, their order and the refusals (400 with the reason, 426 for a version other than
// 13) are those Boost.Beast's websocket::stream gave before txrt answered the upgrade itself.
#include <optional>
#include <string>
#include <string_view>

namespace txrt::protocol::ws {

// What the handshake reads of an HTTP request; a header the request lacks is nullopt.
struct upgrade_request {
  unsigned http_version = 11;  // 11 for HTTP/1.1
  bool is_get = true;
  bool has_host = true;
  std::optional<std::string_view> connection;
  std::optional<std::string_view> upgrade;
  std::optional<std::string_view> key;      // Sec-WebSocket-Key
  std::optional<std::string_view> version;  // Sec-WebSocket-Version
};

enum class upgrade_error {
  none,
  bad_http_version,
  bad_method,
  no_host,
  no_connection,
  no_connection_upgrade,
  no_upgrade,
  no_upgrade_websocket,
  no_sec_key,
  bad_sec_key,  // not the base64 form of 16 bytes
  no_sec_version,
  bad_sec_version,  // answered 426
};

// The first thing wrong with `req`, in Beast's order, or none.
upgrade_error check_upgrade(const upgrade_request& req);

// Whether the comma-separated `list` (a Connection or Upgrade value) holds `token`, compared
// without regard to case.
bool has_token(std::string_view list, std::string_view token);

// Sec-WebSocket-Accept for `key`: base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view key);

// The whole 101 answer to a request with `key`, with `extensions` as Sec-WebSocket-Extensions
// when given (the permessage-deflate agreement).
std::string switching_protocols(std::string_view key,
                                std::optional<std::string_view> extensions = std::nullopt);

// The whole answer refusing a request for `error` (not none): its status, the reason as the
// body, and Connection: close (the connection is closed once it is written).
std::string upgrade_refusal(upgrade_error error, unsigned http_version);

}  // namespace txrt::protocol::ws
