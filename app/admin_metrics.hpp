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
enum class admin_login_result : std::uint8_t { success, invalid_credentials, malformed, rate_limited };
inline constexpr std::array<std::string_view, 4> admin_command_names{"_disconnect", "join", "leave",
                                                                    "emit"};
inline constexpr std::array<std::string_view, 4> admin_command_results{"done", "disabled",
                                                                       "invalid", "unsupported"};
enum class admin_command_result : std::uint8_t { done, disabled, invalid, unsupported };

extern family<counter> admin_logins;    // {result}
extern family<counter> admin_commands;  // {command, result}

inline void count_admin_login(admin_login_result r) noexcept {
  admin_logins.at(static_cast<std::size_t>(r)).inc();
}

}  // namespace txrt::metrics
