#include "protocol/telecomx/stream_offset.hpp"

#include <charconv>

namespace txrt::telecomx {

namespace {

std::optional<std::uint64_t> parse_number(std::string_view digits) noexcept {
  if (digits.empty() || digits.size() > 20) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace

void append_offset(stream_offset o, std::string& out) {
  char buf[24];  // one 64-bit number in decimal: at most 20 digits
  auto r = std::to_chars(buf, buf + sizeof buf, o.epoch);
  out.append(buf, r.ptr);
  out.push_back('-');
  r = std::to_chars(buf, buf + sizeof buf, o.index);
  out.append(buf, r.ptr);
}

std::string to_string(stream_offset o) {
  std::string s;
  append_offset(o, s);
  return s;
}

std::optional<stream_offset> parse_offset(std::string_view text) noexcept {
  if (text.size() > max_offset_chars) return std::nullopt;
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto epoch = parse_number(text.substr(0, dash));
  auto index = parse_number(text.substr(dash + 1));
  if (!epoch || !index) return std::nullopt;
  return stream_offset{*epoch, *index};
}

}  // namespace txrt::telecomx
