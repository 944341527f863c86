#include "server/http/client_address.hpp"

#include <vector>

namespace txrt::http {

std::string client_address_of(std::string_view peer, const request& req,
                              const protocol::address_ranges& trusted_proxies) {
  if (trusted_proxies.empty()) return std::string(protocol::unmapped_address(peer));
  std::vector<std::string_view> lines;
  const auto [first, last] = req.equal_range("X-Forwarded-For");
  for (auto it = first; it != last; ++it)
    lines.emplace_back(it->value().data(), it->value().size());
  return protocol::client_address(peer, lines, trusted_proxies);
}

}  // namespace txrt::http
