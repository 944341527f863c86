#include "protocol/log_text.hpp"

namespace txrt::protocol {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

bool continuation(unsigned char b) noexcept {
  return (b & 0xC0) == 0x80;
}

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF), or 0. `cp` gets its code point.
std::size_t utf8_sequence(std::string_view s, char32_t& cp) noexcept {
  const auto b0 = static_cast<unsigned char>(s[0]);
  std::size_t len = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (!continuation(b)) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Line breaks and bidirectional controls: they can make a log line read as something else.
bool deceptive(char32_t cp) noexcept {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0x200E ||
         cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void append_byte_escape(unsigned char b, std::string& out) {
  out += "\\x";
  out.push_back(hex_digits[b >> 4]);
  out.push_back(hex_digits[b & 0x0F]);
}

void append_code_point_escape(char32_t cp, std::string& out) {
  out += "\\u{";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex_digits[(cp >> shift) & 0x0F]);
  out.push_back('}');
}

}  // namespace

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  // Back off over the continuation bytes of the character the cut falls into, then off its
  // lead byte: the byte at `cut` starts the first character left out.
  while (cut > 0 && continuation(static_cast<unsigned char>(text[cut]))) --cut;
  return text.substr(0, cut);
}

std::string log_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    char32_t cp = 0;
    const std::size_t len = utf8_sequence(text, cp);
    if (len == 0) {
      append_byte_escape(static_cast<unsigned char>(text[0]), out);
      text.remove_prefix(1);
      continue;
    }
    if (len > 1) {
      if (deceptive(cp))
        append_code_point_escape(cp, out);
      else
        out.append(text.substr(0, len));
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp <= 0x20 || cp == 0x7F || cp == '"') {
      append_byte_escape(static_cast<unsigned char>(cp), out);
    } else {
      out.push_back(static_cast<char>(cp));
    }
    text.remove_prefix(len);
  }
  return out;
}

}  // namespace txrt::protocol
