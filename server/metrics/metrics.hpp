#pragma once
// The metrics of txrt (GET /metrics). Labels are indexed by the value of the enum they name;
// each call site static_asserts that the label list and its enum have the same size.
#include <array>
#include <cstdint>
#include <string_view>

#include "server/metrics/registry.hpp"

namespace txrt::metrics {

// engine::close_reason, in enum order.
inline constexpr std::array<std::string_view, 10> close_reasons{
    "client_close",      "transport_close", "transport_error", "ping_timeout", "parse_error",
    "payload_too_large", "polling_overlap", "slow_consumer",   "server_close", "shutdown"};
inline constexpr std::array<std::string_view, 2> transports{"polling", "websocket"};
inline constexpr std::array<std::string_view, 2> protocols{"3", "4"};  // Engine.IO protocol version
// auth::access_level, in enum order.
inline constexpr std::array<std::string_view, 8> access_levels{
    "NO_LOGIN", "PERSONAL", "VIEWER", "MANAGER", "OWNER", "RESELLER", "RESELLER_ADMIN", "ADMIN"};
// rooms::subscription_type, in enum order.
inline constexpr std::array<std::string_view, 11> subscription_types{
    "ADMIN", "ADMIN:CONFIG", "ADMIN:CALL",      "ADMIN:REGISTER", "ADMIN:PBX", "ADMIN:REALTIME",
    "PBX",   "CONFIG",       "CONFIG-NOT-IPTV", "REGISTER",       "CALL"};
// rooms::event_type, in enum order.
inline constexpr std::array<std::string_view, 7> event_types{"CONFIG",   "CALL",  "REGISTER", "PBX",
                                                             "REALTIME", "TRUNK", "REDIS"};
inline constexpr std::array<std::string_view, 2> drop_reasons{"not_json", "bad_channel"};
enum class drop_reason : std::uint8_t { not_json, bad_channel };
inline constexpr std::array<std::string_view, 2> request_kinds{"request", "reply"};
enum class request_kind : std::uint8_t { request, reply };
inline constexpr std::array<std::string_view, 8> request_results{
    "success", "not_authenticated", "invalid",     "access_denied",
    "offline", "unknown_request",   "unavailable", "rate_limited"};
// auth::auth_error in enum order ("none" is success), then the authentication timeout and the
// attempts refused by a rate limit.
inline constexpr std::array<std::string_view, 8> auth_results{
    "success", "invalid_token", "expired", "credentials_invalid",
    "revoked", "unavailable",   "timeout", "rate_limited"};
inline constexpr std::size_t auth_timeout_index = 6;
inline constexpr std::size_t auth_rate_limited_index = 7;
// What a limit refused (txrt_limited_total{limit}); see the limit keys in config/keys.cpp.
inline constexpr std::array<std::string_view, 5> limit_names{
    "connections", "connections_per_ip", "auth_per_socket", "auth_per_ip", "requests_per_socket"};
enum class limit : std::uint8_t {
  connections,
  connections_per_ip,
  auth_per_socket,
  auth_per_ip,
  requests_per_socket
};
static_assert(limit_names.size() == static_cast<std::size_t>(limit::requests_per_socket) + 1);
// What the HTTP layer refused before any handler ran (txrt_http_refused_total{reason}).
inline constexpr std::array<std::string_view, 5> http_refusals{
    "timeout", "header_too_large", "bad_request", "body_too_large", "unknown_sid"};
enum class http_refusal : std::uint8_t {
  timeout,           // headers or body late (slowloris, silent connections): closed
  header_too_large,  // 431
  bad_request,       // 400: not HTTP
  body_too_large,    // 413 (or the Engine.IO 413)
  unknown_sid,       // the Engine.IO "Session ID unknown" answer
};
static_assert(http_refusals.size() == static_cast<std::size_t>(http_refusal::unknown_sid) + 1);
inline constexpr std::array<double, 12> validator_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1,   0.25,   0.5,   1,    2.5,   5};

// Engine.IO sessions.
extern family<gauge> connections;           // {transport, protocol}
extern family<counter> connections_opened;  // txrt_connections_opened_total
extern family<counter> connections_closed;  // {reason}
extern family<gauge> outbound_queue_bytes;  // queued and unwritten, every session
// Telecom X sockets.
extern family<gauge> authenticated_sockets;  // {level}
extern family<counter> auth_results_total;   // {result}
extern family<gauge> subscriptions;          // {type}
extern family<counter> events_in;            // {type}
extern family<counter> events_dropped;       // {reason}
extern family<counter> deliveries;
extern family<counter> requests;  // {kind, result}
// Limits.
extern family<counter> limited;        // {limit}: connections, sessions, messages refused
extern family<gauge> connection_slots;  // HTTP connections + sessions counted by max-connections
extern family<counter> http_refused;  // {reason}
inline void count_http_refused(http_refusal r) noexcept {
  http_refused.at(static_cast<std::size_t>(r)).inc();
}
// Counts one refusal by `l`.
inline void count_limited(limit l) noexcept { limited.at(static_cast<std::size_t>(l)).inc(); }
// Redis and the token validators.
extern family<gauge> redis_connected;
extern family<counter> redis_reconnects;
extern histogram validator_duration;

}  // namespace txrt::metrics
