#include "protocol/forwarded.hpp"

#include <algorithm>

namespace txrt::protocol {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "::ffff:10.0.0.1" and "10.0.0.1" are the same client.
std::string_view unmapped(std::string_view a) {
  constexpr std::string_view mapped = "::ffff:";
  if (a.starts_with(mapped) && a.find('.') != std::string_view::npos) a.remove_prefix(mapped.size());
  return a;
}

bool trusted(std::string_view address, const std::vector<std::string>& proxies) {
  address = unmapped(address);
  return std::any_of(proxies.begin(), proxies.end(),
                     [&](const std::string& p) { return unmapped(p) == address; });
}

}  // namespace

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
  if (!trusted(peer, trusted_proxies) || trim(forwarded_for).empty())
    return std::string(unmapped(peer));
  // Walk the chain from the right: each hop was appended by the proxy in front of it.
  std::string_view rest = forwarded_for;
  std::string_view leftmost;
  while (!rest.empty()) {
    auto comma = rest.rfind(',');
    std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (hop.empty()) continue;
    leftmost = hop;
    if (!trusted(hop, trusted_proxies)) return std::string(unmapped(hop));
  }
  return std::string(unmapped(leftmost.empty() ? peer : leftmost));
}

}  // namespace txrt::protocol
