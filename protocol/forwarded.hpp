#pragma once
// The client's address behind a load balancer: X-Forwarded-For is believed only when the
// connection comes from a configured proxy, and only as far as the chain of trusted proxies
// goes (an untrusted client may put anything at the front of the header).
#include <string>
#include <string_view>
#include <vector>

namespace txrt::protocol {

// `peer`: the TCP peer's address. `forwarded_for`: the X-Forwarded-For header ("" if none).
// Returns the rightmost address of peer + forwarded chain that is not a trusted proxy (or the
// leftmost when all are trusted). Without a trusted peer, the peer itself.
std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

}  // namespace txrt::protocol
