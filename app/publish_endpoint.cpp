#include "app/publish_endpoint.hpp"

#include "bridge/channels.hpp"
#include "protocol/json.hpp"
#include "protocol/telecomx/publish_request.hpp"

namespace txrt::telecomx {

http::response json_answer(const http::request& req, unsigned status, std::string_view code,
                           std::string_view message) {
  std::string body = "{\"success\":";
  body += status < 300 ? "true" : "false";
  if (!code.empty()) {
    body += ",\"code\":";
    protocol::json::append_string(code, body);
  }
  body += ",\"message\":";
  protocol::json::append_string(message, body);
  body += "}";
  return http::make_response(req, status, std::move(body), "application/json");
}

std::optional<http::response> refuse_publisher(const http::request& req, std::string_view secret) {
  if (secret.empty()) return http::make_response(req, 404, "Not Found");
  if (req.method() != http::beast_http::verb::post)
    return json_answer(req, 405, "method_not_allowed", "use POST");
  std::string_view auth = req[http::beast_http::field::authorization];
  constexpr std::string_view bearer = "Bearer ";
  if (!auth.starts_with(bearer) || !secret_matches(auth.substr(bearer.size()), secret))
    return json_answer(req, 401, "unauthorized", "missing or wrong bearer secret");
  return std::nullopt;
}

bool secret_matches(std::string_view presented, std::string_view expected) noexcept {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < presented.size(); ++i)
    diff |= static_cast<unsigned char>(presented[i] ^ expected[i % (expected.empty() ? 1 : expected.size())]);
  return diff == 0 && !expected.empty();
}

http::handler make_publish_handler(std::string secret, std::string prefix, bridge::bus& bus) {
  return [secret = std::move(secret), prefix = std::move(prefix),
          &bus](const http::request& req) -> http::response {
    if (auto refused = refuse_publisher(req, secret)) return std::move(*refused);
    auto parsed = telecomx::parse_publish_request(req.body());
    if (!parsed.value) return json_answer(req, 400, "invalid", parsed.error);
    if (!bus.ready()) return json_answer(req, 503, "unavailable", "the bus is not connected");
    const std::string channel =
        bridge::event_channel_name(prefix, parsed.value->type, parsed.value->customer);
    bus.publish(channel, std::move(parsed.value->event));
    return json_answer(req, 202, "", "published on " + channel);
  };
}

}  // namespace txrt::telecomx
