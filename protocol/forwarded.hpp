#pragma once
// The client's address behind a load balancer: X-Forwarded-For is believed only when the
// connection comes from a configured proxy, and only as far as the chain of trusted proxies
// goes (an untrusted client may put anything at the front of the header).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace txrt::protocol {

// The trusted proxies: single addresses ("10.0.0.2", "::1") and CIDR ranges ("10.0.0.0/8",
// "fd00::/8"). An IPv4-mapped IPv6 address ("::ffff:10.0.0.1") is the IPv4 address it maps, on
// either side of the comparison. Pure: parsed with inet_pton, no name resolution.
class address_ranges {
 public:
  address_ranges() = default;
  // Every entry parsed, or nullopt with `error` naming the first malformed one.
  static std::optional<address_ranges> parse(const std::vector<std::string>& entries,
                                             std::string* error = nullptr);
  bool contains(std::string_view address) const noexcept;
  bool empty() const noexcept { return ranges_.empty(); }

 private:
  struct range {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes
    bool v4 = false;
    int prefix_bits = 0;
  };
  std::vector<range> ranges_;
};

// "::ffff:10.0.0.1" and "10.0.0.1" are the same client: the IPv4 form.
std::string_view unmapped_address(std::string_view address) noexcept;

// `peer`: the TCP peer's address. `forwarded_for`: every X-Forwarded-For header line of the
// request, in order (RFC 7230 §3.2.2: several lines of one name are one comma-separated list;
// a client may send its own line before the one its proxy appends). Returns the rightmost
// address of peer + forwarded chain that is not a trusted proxy (or the leftmost when all are
// trusted). Without a trusted peer, the peer itself.
std::string client_address(std::string_view peer, std::span<const std::string_view> forwarded_for,
                           const address_ranges& trusted_proxies);

// The same with one header line and the proxies as configured (parsed on each call; a
// malformed entry matches nothing).
std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

}  // namespace txrt::protocol
