#include "protocol/json.hpp"

#include <cstring>

namespace txrt::protocol::json {

simdjson::simdjson_result<simdjson::dom::element> parse(std::string_view text) noexcept {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end, so the input is copied into a
  // buffer that keeps that slack; both are reused by every parse on this thread.
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  try {
    if (padded.size() < text.size() + simdjson::SIMDJSON_PADDING) {
      padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
    }
  } catch (...) {
    return simdjson::MEMALLOC;
  }
  if (!text.empty()) std::memcpy(padded.data(), text.data(), text.size());
  std::memset(padded.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return parser.parse(padded.data(), text.size(), false);
}

void append_string(std::string_view s, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view ws = " \t\n\r";
  const auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(ws);
  return s.substr(first, last - first + 1);
}

std::size_t skip_string(std::string_view text, std::size_t open) noexcept {
  std::size_t i = open + 1;
  while (i < text.size()) {
    if (text[i] == '\\') {
      i += 2;  // the escaped character, whatever it is, cannot close the string
    } else if (text[i] == '"') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return text.size();
}

std::string_view first_element(std::string_view elements) noexcept {
  int depth = 0;
  std::size_t i = 0;
  while (i < elements.size()) {
    const char c = elements[i];
    if (c == '"') {
      i = skip_string(elements, i);
      continue;
    }
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) break;
    ++i;
  }
  return trim(elements.substr(0, i));
}

std::vector<member_span> object_members(std::string_view object_text) {
  std::vector<member_span> out;
  auto text = trim(object_text);
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return out;
  auto body = text.substr(1, text.size() - 2);
  std::size_t i = 0;
  while (i < body.size()) {
    // key
    while (i < body.size() && body[i] != '"') ++i;
    if (i >= body.size()) break;
    const std::size_t key_end = skip_string(body, i);
    std::string_view key = body.substr(i + 1, key_end - i - 2);
    i = key_end;
    while (i < body.size() && body[i] != ':') ++i;
    ++i;
    // value: up to the next top-level comma
    auto rest = body.substr(std::min(i, body.size()));
    auto value = first_element(rest);
    const std::size_t start = static_cast<std::size_t>(value.data() - body.data());
    out.push_back({key, value});
    i = start + value.size();
    while (i < body.size() && body[i] != ',') ++i;
    ++i;
  }
  return out;
}

}  // namespace txrt::protocol::json
