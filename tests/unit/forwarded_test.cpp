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
