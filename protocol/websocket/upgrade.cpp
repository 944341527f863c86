#include "protocol/websocket/upgrade.hpp"

#include <boost/beast/core/detail/sha1.hpp>

#include "protocol/base64.hpp"
#include "protocol/websocket/header_text.hpp"

namespace txrt::protocol::ws {

namespace {

constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// RFC 6455 §4.1: the key is a random 16-byte nonce in base64, so exactly 24 characters.
bool valid_key(std::string_view key) {
  if (key.size() != 24) return false;
  std::string nonce;
  return base64_decode(key, nonce) && nonce.size() == 16;
}

std::string_view reason_text(upgrade_error error) {
  switch (error) {
    case upgrade_error::none:
      return "";
    case upgrade_error::bad_http_version:
      return "The WebSocket handshake was not HTTP/1.1";
    case upgrade_error::bad_method:
      return "The WebSocket handshake method was not GET";
    case upgrade_error::no_host:
      return "The WebSocket handshake Host field is missing";
    case upgrade_error::no_connection:
      return "The WebSocket handshake Connection field is missing";
    case upgrade_error::no_connection_upgrade:
      return "The WebSocket handshake Connection field is missing the upgrade token";
    case upgrade_error::no_upgrade:
      return "The WebSocket handshake Upgrade field is missing";
    case upgrade_error::no_upgrade_websocket:
      return "The WebSocket handshake Upgrade field is missing the websocket token";
    case upgrade_error::no_sec_key:
      return "The WebSocket handshake Sec-WebSocket-Key field is missing";
    case upgrade_error::bad_sec_key:
      return "The WebSocket handshake Sec-WebSocket-Key field is invalid";
    case upgrade_error::no_sec_version:
      return "The WebSocket handshake Sec-WebSocket-Version field is missing";
    case upgrade_error::bad_sec_version:
      return "The WebSocket handshake Sec-WebSocket-Version field is invalid";
  }
  return "";
}

}  // namespace

bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(trim_ows(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

upgrade_error check_upgrade(const upgrade_request& req) {
  using enum upgrade_error;
  if (req.http_version != 11) return bad_http_version;
  if (!req.is_get) return bad_method;
  if (!req.has_host) return no_host;
  if (!req.connection) return no_connection;
  if (!has_token(*req.connection, "upgrade")) return no_connection_upgrade;
  if (!req.upgrade) return no_upgrade;
  if (!has_token(*req.upgrade, "websocket")) return no_upgrade_websocket;
  if (!req.key) return no_sec_key;
  if (!valid_key(*req.key)) return bad_sec_key;
  if (!req.version) return no_sec_version;
  if (*req.version != "13") return bad_sec_version;
  return none;
}

std::string accept_key(std::string_view key) {
  namespace detail = boost::beast::detail;
  detail::sha1_context ctx;
  detail::init(ctx);
  detail::update(ctx, key.data(), key.size());
  detail::update(ctx, guid.data(), guid.size());
  unsigned char digest[detail::sha1_context::digest_size];
  detail::finish(ctx, digest);
  std::string out;
  base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest), out);
  return out;
}

std::string switching_protocols(std::string_view key, std::optional<std::string_view> extensions) {
  std::string out;
  out.reserve(160 + (extensions ? extensions->size() : 0));
  out +=
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  out += accept_key(key);
  out += "\r\nServer: txrt\r\n";
  if (extensions) {
    out += "Sec-WebSocket-Extensions: ";
    out += *extensions;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

std::string upgrade_refusal(upgrade_error error, unsigned http_version) {
  const bool version = error == upgrade_error::bad_sec_version;
  const auto body = reason_text(error);
  std::string out = http_version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += version ? "426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n" : "400 Bad Request\r\n";
  out += "Server: txrt\r\nConnection: close\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
  return out;
}

}  // namespace txrt::protocol::ws
