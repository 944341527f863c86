#include "bridge/redis_url.hpp"

#include <charconv>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace txrt::bridge {

namespace {

std::optional<redis_endpoint> fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

}  // namespace

std::optional<redis_endpoint> parse_redis_url(std::string_view url, std::string* error) {
  std::string text(url);
  if (text.find("://") == std::string::npos) text = "redis://" + text;
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail(error, "not a URL: " + parsed.error().message());
  const boost::urls::url_view& u = *parsed;
  if (u.scheme() != "redis" && u.scheme() != "rediss")
    return fail(error, "scheme must be redis:// or rediss:// (TLS)");

  redis_endpoint ep;
  ep.tls = u.scheme() == "rediss";
  if (!u.host_address().empty()) ep.host = u.host_address();
  if (u.has_port()) {
    // port_number() wraps values past 65535, so the digits are read here.
    const std::string_view digits = u.port();
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535)
      return fail(error, "bad port");
    ep.port = static_cast<std::uint16_t>(port);
  }
  if (u.has_userinfo()) {
    ep.user = u.user();
    ep.password = u.password();
    // "redis://secret@host" is how some tools spell a password-only URL.
    if (!u.has_password()) std::swap(ep.user, ep.password);
  }
  std::string path = u.path();
  if (!path.empty() && path != "/") {
    std::string_view digits = std::string_view(path).substr(1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ep.db);
    if (path[0] != '/' || ec != std::errc() || end != digits.data() + digits.size() || ep.db < 0)
      return fail(error, "the path must be a database number (/0, /1, ...)");
  }
  if (u.has_query() || u.has_fragment()) return fail(error, "no query or fragment allowed");
  return ep;
}

std::string describe(const redis_endpoint& endpoint) {
  std::string out = endpoint.host + ":" + std::to_string(endpoint.port);
  if (endpoint.db != 0) out += "/" + std::to_string(endpoint.db);
  return out;
}

}  // namespace txrt::bridge
