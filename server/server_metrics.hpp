#pragma once
// The generic server's metrics (GET /metrics): Engine.IO sessions, the HTTP layer and the
// limits. Labels are indexed by the value of the enum they name.
#include <array>
#include <cstdint>
#include <string_view>

#include "metrics/registry.hpp"

namespace txrt::metrics {

// engine::close_reason, in enum order.
inline constexpr std::array<std::string_view, 10> close_reasons{
    "client_close",      "transport_close", "transport_error", "ping_timeout", "parse_error",
    "payload_too_large", "polling_overlap", "slow_consumer",   "server_close", "shutdown"};
inline constexpr std::array<std::string_view, 2> transports{"polling", "websocket"};
inline constexpr std::array<std::string_view, 2> protocols{"3", "4"};  // Engine.IO protocol version

// What a limit refused (txrt_limited_total{limit}); see the limit keys in config/keys.cpp. The
// server enforces the connection limits; its rate limiters (server/limits/) also serve the
// application's per-socket and per-address budgets, which is why their names are listed here.
inline constexpr std::array<std::string_view, 8> limit_names{"connections",
                                                             "connections_per_ip",
                                                             "auth_per_socket",
                                                             "auth_per_ip",
                                                             "requests_per_socket",
                                                             "subscribe_rate_per_socket",
                                                             "subscriptions_per_socket",
                                                             "tls_handshakes"};
enum class limit : std::uint8_t {
  connections,
  connections_per_ip,
  auth_per_socket,
  auth_per_ip,
  requests_per_socket,
  subscribe_rate_per_socket,  // subscribe/unsubscribe messages past subscribe-rate-per-socket
  subscriptions_per_socket,   // subscriptions past max-subscriptions-per-socket
  tls_handshakes,             // TCP connections past the bound on concurrent TLS handshakes
};
static_assert(limit_names.size() == static_cast<std::size_t>(limit::tls_handshakes) + 1);
// What the HTTP layer refused before any handler ran (txrt_http_refused_total{reason}).
inline constexpr std::array<std::string_view, 6> http_refusals{
    "timeout", "header_too_large", "bad_request", "body_too_large", "unknown_sid", "bad_upgrade"};
enum class http_refusal : std::uint8_t {
  timeout,           // headers or body late (slowloris, silent connections): closed
  header_too_large,  // 431
  bad_request,       // 400: not HTTP
  body_too_large,    // 413 (or the Engine.IO 413)
  unknown_sid,       // the Engine.IO "Session ID unknown" answer
  bad_upgrade,       // a WebSocket upgrade RFC 6455 refuses: 400, or 426 for another version
};
static_assert(http_refusals.size() == static_cast<std::size_t>(http_refusal::bad_upgrade) + 1);

// How a TLS handshake on the listener ended (txrt_tls_handshakes_total{result}).
inline constexpr std::array<std::string_view, 3> tls_results{"ok", "failed", "timeout"};
enum class tls_result : std::uint8_t {
  ok,
  failed,   // not TLS (plain HTTP to a TLS port), no common version or cipher, reset, ...
  timeout,  // not finished within the handshake deadline
};
static_assert(tls_results.size() == static_cast<std::size_t>(tls_result::timeout) + 1);

// Engine.IO sessions.
extern family<gauge> connections;           // {transport, protocol}
extern family<counter> connections_opened;  // txrt_connections_opened_total
extern family<counter> connections_closed;  // {reason}
extern family<gauge> outbound_queue_bytes;  // queued and unwritten, every session
// The write path (server/engine/send_ring.hpp).
extern family<gauge> io_uring_loops;          // loops whose writes go through io_uring
extern family<counter> io_uring_sends;        // sends submitted through it
// Limits.
extern family<counter> limited;         // {limit}: connections, sessions, messages refused
extern family<gauge> connection_slots;  // HTTP connections + sessions counted by max-connections
extern family<counter> http_refused;    // {reason}
inline void count_http_refused(http_refusal r) noexcept {
  http_refused.at(static_cast<std::size_t>(r)).inc();
}
extern family<counter> tls_handshakes;  // {result}
inline void count_tls_handshake(tls_result r) noexcept {
  tls_handshakes.at(static_cast<std::size_t>(r)).inc();
}
// Counts one refusal by `l`.
inline void count_limited(limit l) noexcept {
  limited.at(static_cast<std::size_t>(l)).inc();
}

}  // namespace txrt::metrics
