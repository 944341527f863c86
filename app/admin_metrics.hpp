#pragma once
// The Admin UI's metrics (GET /metrics): logins on the /admin namespace by result, and the UI's
// commands by command and result.
#include <array>
#include <cstdint>
#include <string_view>

#include "metrics/registry.hpp"

namespace txrt::metrics {

inline constexpr std::array<std::string_view, 4> admin_login_results{
    "success", "invalid_credentials", "malformed", "rate_limited"};
enum class admin_login_result : std::uint8_t {
  success,
  invalid_credentials,
  malformed,
  rate_limited
};
inline constexpr std::array<std::string_view, 4> admin_command_names{"_disconnect", "join", "leave",
                                                                     "emit"};
// done; disabled: its key is off (read-only); invalid: malformed arguments, or a room that is no
// subscription key; refused: join of a subscription the socket's identity may not hold (or
// past its max-subscriptions-per-socket, or the customer directory unreachable); not_found:
// join / leave of a socket no node holds.
inline constexpr std::array<std::string_view, 5> admin_command_results{
    "done", "disabled", "invalid", "refused", "not_found"};
enum class admin_command_result : std::uint8_t { done, disabled, invalid, refused, not_found };

extern family<counter> admin_logins;    // {result}
extern family<counter> admin_commands;  // {command, result}

inline void count_admin_login(admin_login_result r) noexcept {
  admin_logins.at(static_cast<std::size_t>(r)).inc();
}
// `command`: the index in admin_command_names (telecomx::admin_command_kind's value).
inline void count_admin_command(std::size_t command, admin_command_result r) noexcept {
  admin_commands.at(command, static_cast<std::size_t>(r)).inc();
}

}  // namespace txrt::metrics
