#include "auth/identity.hpp"

#include <array>

namespace txrt::auth {

namespace {

// Indexed by the enum's value; the wire names are the Telecom X access levels, upper-case.
constexpr std::array<std::string_view, 8> level_names = {
    "NO_LOGIN", "PERSONAL", "VIEWER", "MANAGER", "OWNER", "RESELLER", "RESELLER_ADMIN", "ADMIN",
};

}  // namespace

std::optional<access_level> parse_access_level(std::string_view text) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (level_names[i] == text) return static_cast<access_level>(i);
  }
  return std::nullopt;
}

std::string_view to_string(access_level level) noexcept {
  const auto i = static_cast<std::size_t>(level);
  return i < level_names.size() ? level_names[i] : std::string_view{"NO_LOGIN"};
}

}  // namespace txrt::auth
