#include "protocol/engineio/payload.hpp"

#include <charconv>

#include "protocol/base64.hpp"

namespace txrt::eio {

namespace {

// Ten digits already exceed any body we would accept; more is garbage, not a length.
constexpr std::size_t max_length_digits = 10;
constexpr char record_separator = '\x1e';

// The byte length of the well-formed UTF-8 sequence starting at s[i], or 0 when the byte there
// does not start one (the caller then counts that single byte as one UTF-16 unit).
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c = byte(i);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte (Unicode table 3-7)
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

// UTF-16 units of the character at s[i] and its byte length.
std::pair<std::size_t, std::size_t> utf16_units_at(std::string_view s, std::size_t i) noexcept {
  const std::size_t len = utf8_sequence(s, i);
  if (len == 0) return {1, 1};
  return {len == 4 ? 2 : 1, len};
}

// The byte offset reached after `units` UTF-16 units from `from`, or npos when the text ends
// first or the count would split a surrogate pair.
std::size_t advance_utf16(std::string_view s, std::size_t from, std::uint64_t units) noexcept {
  std::size_t i = from;
  while (units > 0) {
    if (i >= s.size()) return std::string_view::npos;
    const auto [u, len] = utf16_units_at(s, i);
    if (u > units) return std::string_view::npos;
    units -= u;
    i += len;
  }
  return i;
}

bool parse_decimal(std::string_view digits, std::uint64_t& value) noexcept {
  if (digits.empty() || digits.size() > max_length_digits) return false;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc{} && end == digits.data() + digits.size();
}

// One text-form packet of a polling payload. With `b64_has_type` (v3) a base64 binary packet
// is "b<type digit><base64>"; in v4 it is "b<base64>" and always a message.
errc decode_text_packet(std::string_view text, bool b64_has_type, owned_packet& out) {
  if (text.empty()) return errc::empty_packet;
  if (text[0] == 'b') {
    std::string_view b64 = text.substr(1);
    out.type = packet_type::message;
    if (b64_has_type) {
      const auto typed = decode_text(b64);
      if (!typed) return typed.error;
      out.type = typed->type;
      b64 = typed->data;
    }
    out.binary = true;
    return protocol::base64_decode(b64, out.data) ? errc::ok : errc::bad_base64;
  }
  const auto p = decode_text(text);
  if (!p) return p.error;
  out.type = p->type;
  out.data.assign(p->data);
  return errc::ok;
}

result<std::vector<owned_packet>> decode_v3_string(std::string_view body, std::size_t max_packets) {
  std::vector<owned_packet> packets;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t colon = body.find(':', pos);
    std::uint64_t units = 0;
    if (colon == std::string_view::npos || !parse_decimal(body.substr(pos, colon - pos), units)) {
      return errc::bad_length_prefix;
    }
    const std::size_t end = advance_utf16(body, colon + 1, units);
    if (end == std::string_view::npos) return errc::bad_length_prefix;
    pos = end;
    if (units == 0) continue;  // "0:" carries no packet (it is what an empty payload encodes to)
    if (packets.size() == max_packets) return errc::payload_too_large;
    owned_packet p;
    if (const errc e = decode_text_packet(body.substr(colon + 1, end - colon - 1), true, p);
        e != errc::ok) {
      return e;
    }
    packets.push_back(std::move(p));
  }
  return packets;
}

result<std::vector<owned_packet>> decode_v3_binary(std::string_view body, std::size_t max_packets) {
  std::vector<owned_packet> packets;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto kind = static_cast<unsigned char>(body[pos++]);  // 0 string, 1 binary
    if (kind > 1) return errc::bad_length_prefix;
    std::uint64_t length = 0;
    std::size_t digits = 0;
    for (; pos < body.size() && static_cast<unsigned char>(body[pos]) != 0xFF; ++pos) {
      const auto d = static_cast<unsigned char>(body[pos]);
      if (d > 9 || ++digits > max_length_digits) return errc::bad_length_prefix;
      length = length * 10 + d;
    }
    if (pos == body.size() || digits == 0) return errc::bad_length_prefix;
    ++pos;  // the 255 terminator
    if (length > body.size() - pos) return errc::bad_length_prefix;
    const std::string_view bytes = body.substr(pos, length);
    pos += length;
    if (packets.size() == max_packets) return errc::payload_too_large;
    owned_packet p;
    if (kind == 0) {
      if (const errc e = decode_text_packet(bytes, true, p); e != errc::ok) return e;
    } else {
      const auto bin = decode_ws_binary(version::v3, bytes);  // same layout: type byte + data
      if (!bin) return bin.error;
      p.type = bin->type;
      p.binary = true;
      p.data.assign(bin->data);
    }
    packets.push_back(std::move(p));
  }
  return packets;
}

void append_decimal(std::size_t n, std::string& out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

}  // namespace

std::size_t utf16_length(std::string_view utf8) noexcept {
  std::size_t units = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto [u, len] = utf16_units_at(utf8, i);
    units += u;
    i += len;
  }
  return units;
}

result<std::vector<owned_packet>> decode_payload_v4(std::string_view body,
                                                    std::size_t max_packets) {
  // An empty body is one empty packet, hence an error (as in the reference parser).
  std::vector<owned_packet> packets;
  std::size_t pos = 0;
  while (true) {
    const std::size_t sep = body.find(record_separator, pos);
    if (packets.size() == max_packets) return errc::payload_too_large;
    owned_packet p;
    if (const errc e = decode_text_packet(body.substr(pos, sep - pos), false, p); e != errc::ok) {
      return e;
    }
    packets.push_back(std::move(p));
    if (sep == std::string_view::npos) break;
    pos = sep + 1;
  }
  return packets;
}

result<std::vector<owned_packet>> decode_payload_v3(std::string_view body, bool binary_body,
                                                    std::size_t max_packets) {
  if (body.empty()) return errc::empty_packet;
  return binary_body ? decode_v3_binary(body, max_packets) : decode_v3_string(body, max_packets);
}

void encode_payload_v4(const std::vector<outgoing_packet>& packets, std::string& out) {
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i > 0) out.push_back(record_separator);
    if (packets[i].binary) {
      out.push_back('b');
      protocol::base64_encode(packets[i].bytes, out);
    } else {
      out.append(packets[i].bytes);
    }
  }
}

void encode_payload_v3(const std::vector<outgoing_packet>& packets, bool binary_form,
                       std::string& out) {
  if (binary_form) {
    // Per packet: kind byte, the length's decimal digits as byte values, 255, the packet.
    for (const auto& p : packets) {
      const std::size_t length = p.bytes.size() + (p.binary ? 1 : 0);
      std::string digits;
      append_decimal(length, digits);
      out.push_back(p.binary ? '\x01' : '\x00');
      for (const char d : digits) out.push_back(static_cast<char>(d - '0'));
      out.push_back('\xff');
      if (p.binary) out.push_back(static_cast<char>(packet_type::message));
      out.append(p.bytes);
    }
    return;
  }
  if (packets.empty()) {
    out += "0:";  // what the reference writes for an empty payload
    return;
  }
  for (const auto& p : packets) {
    if (p.binary) {
      std::string text = "b4";
      protocol::base64_encode(p.bytes, text);
      append_decimal(text.size(), out);  // ASCII: bytes == UTF-16 units
      out.push_back(':');
      out += text;
    } else {
      append_decimal(utf16_length(p.bytes), out);
      out.push_back(':');
      out.append(p.bytes);
    }
  }
}

}  // namespace txrt::eio
