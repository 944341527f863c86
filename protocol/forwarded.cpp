#include "protocol/forwarded.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace txrt::protocol {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct parsed_address {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
};

// inet_pton wants a NUL-terminated string; addresses are short, so a stack buffer does.
std::optional<parsed_address> parse_address(std::string_view text) {
  text = unmapped_address(trim(text));
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buffer) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  parsed_address out;
  if (::inet_pton(AF_INET, buffer, out.bytes.data()) == 1) {
    out.v4 = true;
    return out;
  }
  if (::inet_pton(AF_INET6, buffer, out.bytes.data()) == 1) return out;
  return std::nullopt;
}

bool prefix_equal(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                  int bits) noexcept {
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i)
    if (a[i] != b[i]) return false;
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - bits));
  return (a[i] & mask) == (b[i] & mask);
}

}  // namespace

std::string_view unmapped_address(std::string_view a) noexcept {
  constexpr std::string_view mapped = "::ffff:";
  if (a.size() > mapped.size() && a.find('.') != std::string_view::npos) {
    bool is_mapped = true;
    for (std::size_t i = 0; i < mapped.size(); ++i)
      if ((a[i] | 0x20) != mapped[i] && a[i] != mapped[i]) is_mapped = false;  // "::FFFF:" too
    if (is_mapped) a.remove_prefix(mapped.size());
  }
  return a;
}

std::optional<address_ranges> address_ranges::parse(const std::vector<std::string>& entries,
                                                    std::string* error) {
  address_ranges out;
  for (const auto& entry : entries) {
    const std::string_view text = trim(entry);
    const auto slash = text.find('/');
    const auto address = parse_address(text.substr(0, slash));
    range r;
    bool ok = address.has_value();
    if (ok) {
      r.bytes = address->bytes;
      r.v4 = address->v4;
      r.prefix_bits = r.v4 ? 32 : 128;
      if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        int value = -1;
        const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
        ok = ec == std::errc() && end == bits.data() + bits.size() && !bits.empty() && value >= 0 &&
             value <= r.prefix_bits;
        r.prefix_bits = value;
      }
    }
    if (!ok) {
      if (error) *error = "not an IP address or CIDR range: '" + entry + "'";
      return std::nullopt;
    }
    out.ranges_.push_back(r);
  }
  return out;
}

bool address_ranges::contains(std::string_view address) const noexcept {
  if (ranges_.empty()) return false;
  const auto a = parse_address(address);
  if (!a) return false;
  for (const auto& r : ranges_)
    if (r.v4 == a->v4 && prefix_equal(r.bytes, a->bytes, r.prefix_bits)) return true;
  return false;
}

std::string client_address(std::string_view peer, std::span<const std::string_view> forwarded_for,
                           const address_ranges& trusted_proxies) {
  if (!trusted_proxies.contains(peer)) return std::string(unmapped_address(peer));
  // Walk the chain from the right: each hop was appended by the proxy in front of it, and the
  // last header line is the one the nearest proxy wrote.
  std::string_view leftmost;
  for (auto line = forwarded_for.rbegin(); line != forwarded_for.rend(); ++line) {
    std::string_view rest = *line;
    while (!rest.empty()) {
      const auto comma = rest.rfind(',');
      const std::string_view hop =
          trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
      if (hop.empty()) continue;
      leftmost = hop;
      if (!trusted_proxies.contains(hop)) return std::string(unmapped_address(hop));
    }
  }
  return std::string(unmapped_address(leftmost.empty() ? peer : leftmost));
}

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
  const auto proxies = address_ranges::parse(trusted_proxies).value_or(address_ranges{});
  const std::string_view lines[] = {forwarded_for};
  return client_address(peer, lines, proxies);
}

}  // namespace txrt::protocol
