#pragma once
// The Telecom X application's metrics (GET /metrics): authenticated sockets, authentications,
// subscriptions, events and request/reply. The labels of the Telecom X enums are their wire
// names from protocol/telecomx/, indexed by the enum's value.
#include <array>
#include <cstdint>
#include <string_view>

#include "metrics/registry.hpp"

namespace txrt::metrics {

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

// Credentials on live sockets (SPEC §12).
inline constexpr std::array<std::string_view, 4> revalidation_results{"ok", "revoked", "changed",
                                                                      "unavailable"};
enum class revalidation_result : std::uint8_t { ok, revoked, changed, unavailable };
inline constexpr std::array<std::string_view, 2> removal_reasons{"access_changed", "unavailable"};
enum class removal_reason : std::uint8_t { access_changed, unavailable };

// Connection state recovery (SPEC §11).
inline constexpr std::array<std::string_view, 2> recovery_results{"recovered", "failed"};
enum class recovery_result : std::uint8_t { recovered, failed };
inline constexpr std::array<std::string_view, 9> recovery_failures{
    "disabled",        "invalid_request", "unknown_session", "unknown_offset", "expired_offset",
    "offset_ahead",    "revoked",         "unavailable",     "employee_changed"};
enum class recovery_failure : std::uint8_t {
  disabled,         // recovery-window-ms 0, or a v2 client
  invalid_request,  // a pid or offset that is not ours (not a string, too long, malformed)
  unknown_session,  // no record under that pid (never was, expired, or deleted)
  unknown_offset,   // the offset names no known position (epoch 0: sent while not joined)
  expired_offset,   // older than this node's history (evicted, or before this node joined)
  offset_ahead,     // newer than this node has received yet
  revoked,          // the token no longer validates
  unavailable,      // the store or the validator could not answer in time
  employee_changed  // the token now names another employee
};
extern family<counter> recoveries;          // {result}
extern family<counter> recovery_failures_by_reason;  // {reason}
extern family<counter> recovery_replayed;   // events sent again to recovered sessions
extern family<gauge> recovery_history_events;
extern family<gauge> recovery_history_bytes;

extern family<gauge> authenticated_sockets;       // {level}
extern family<counter> auth_results_total;        // {result}
extern family<counter> credential_expirations;    // live sockets whose credential expired
extern family<counter> credential_refreshes;      // same-employee re-authentications
extern family<counter> revalidations;             // {result}
extern family<counter> subscriptions_removed;     // {reason}: taken away by the server
extern family<gauge> subscriptions;               // {type}
extern family<counter> events_in;                 // {type}
extern family<counter> events_dropped;            // {reason}
extern family<counter> events_customer_mismatch;  // {type}: payload customer != channel's
extern family<counter> deliveries;
extern family<counter> requests;  // {kind, result}
// The redis and http token validators.
inline constexpr std::array<double, 12> validator_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1,   0.25,   0.5,   1,    2.5,   5};
extern histogram validator_duration;

}  // namespace txrt::metrics
