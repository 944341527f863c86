#include <catch2/catch.hpp>

#include "protocol/forwarded.hpp"

using txrt::protocol::client_address;

TEST_CASE("X-Forwarded-For is believed only from trusted proxies", "[forwarded]") {
  const std::vector<std::string> proxies{"127.0.0.1", "10.0.0.2"};
  // No trusted peer: the header is ignored, whatever it says.
  CHECK(client_address("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9");
  // A trusted peer: the rightmost untrusted hop.
  CHECK(client_address("127.0.0.1", "198.51.100.7", proxies) == "198.51.100.7");
  CHECK(client_address("127.0.0.1", "6.6.6.6, 198.51.100.7", proxies) == "198.51.100.7");
  CHECK(client_address("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", proxies) == "198.51.100.7");
  // Everything trusted: the leftmost.
  CHECK(client_address("127.0.0.1", "10.0.0.2", proxies) == "10.0.0.2");
  // No header: the peer.
  CHECK(client_address("127.0.0.1", "", proxies) == "127.0.0.1");
  CHECK(client_address("::ffff:127.0.0.1", "198.51.100.7", proxies) == "198.51.100.7");
  CHECK(client_address("::ffff:192.0.2.1", "", {}) == "192.0.2.1");
}

using txrt::protocol::address_ranges;

TEST_CASE("trusted proxies may be CIDR ranges, IPv4 and IPv6", "[forwarded]") {
  std::string error;
  const auto ranges =
      address_ranges::parse({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"}, &error);
  REQUIRE(ranges);
  CHECK(ranges->contains("10.1.2.3"));
  CHECK(ranges->contains("::ffff:10.200.0.1"));
  CHECK_FALSE(ranges->contains("11.0.0.1"));
  CHECK(ranges->contains("192.168.1.7"));
  CHECK_FALSE(ranges->contains("192.168.1.8"));
  CHECK(ranges->contains("fd12:3456::1"));
  CHECK_FALSE(ranges->contains("fe80::1"));
  CHECK(ranges->contains("::1"));
  CHECK_FALSE(ranges->contains("not an address"));
  CHECK_FALSE(ranges->contains(""));
  // A /0 trusts every address of its family; a /23 cuts inside a byte.
  const auto all_v4 = address_ranges::parse({"0.0.0.0/0"});
  REQUIRE(all_v4);
  CHECK(all_v4->contains("203.0.113.9"));
  CHECK_FALSE(all_v4->contains("2001:db8::1"));
  const auto odd = address_ranges::parse({"172.16.2.0/23"});
  REQUIRE(odd);
  CHECK(odd->contains("172.16.3.255"));
  CHECK_FALSE(odd->contains("172.16.4.0"));
}

TEST_CASE("a malformed trusted-proxies entry is named", "[forwarded]") {
  for (const char* bad :
       {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "host.example", "::1/129", "1.2.3", ""}) {
    std::string error;
    CHECK_FALSE(address_ranges::parse({bad}, &error));
    CHECK(error.find(bad) != std::string::npos);
  }
}

TEST_CASE("every X-Forwarded-For header line is one list, walked from the right", "[forwarded]") {
  const auto proxies = address_ranges::parse({"127.0.0.1", "10.0.0.0/8"});
  REQUIRE(proxies);
  // The client sent its own line first; the proxy appended the real address in a second line.
  const std::string_view forged[] = {"203.0.113.7", "198.51.100.7"};
  CHECK(client_address("127.0.0.1", forged, *proxies) == "198.51.100.7");
  // Chains across lines, trusted hops skipped.
  const std::string_view chain[] = {"6.6.6.6, 198.51.100.9", "10.1.1.1", " 10.2.2.2 "};
  CHECK(client_address("127.0.0.1", chain, *proxies) == "198.51.100.9");
  // No lines: the peer.
  CHECK(client_address("127.0.0.1", std::span<const std::string_view>{}, *proxies) == "127.0.0.1");
  // An untrusted peer's lines are ignored.
  CHECK(client_address("203.0.113.1", forged, *proxies) == "203.0.113.1");
}
