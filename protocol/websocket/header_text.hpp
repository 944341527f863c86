#pragma once
// What the WebSocket handshake's header values need to be read (RFC 7230): optional whitespace
// trimmed, and tokens compared without regard to ASCII case. Shared by the upgrade check and
// the permessage-deflate offer parser.
#include <string_view>

namespace txrt::protocol::ws {

// `s` without leading and trailing spaces and tabs.
inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Equal, ASCII letters compared without case.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace txrt::protocol::ws
