#include "protocol/telecomx/identity.hpp"

#include <array>

namespace txrt::telecomx {

std::optional<access_level> parse_access_level(std::string_view text) noexcept {
  for (std::size_t i = 0; i < access_level_names.size(); ++i) {
    if (access_level_names[i] == text) return static_cast<access_level>(i);
  }
  return std::nullopt;
}

std::string_view to_string(access_level level) noexcept {
  const auto i = static_cast<std::size_t>(level);
  return i < access_level_names.size() ? access_level_names[i] : std::string_view{"NO_LOGIN"};
}

}  // namespace txrt::telecomx
