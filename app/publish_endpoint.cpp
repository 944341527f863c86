#include "app/publish_endpoint.hpp"

#include <simdjson.h>

#include "bridge/channels.hpp"
#include "protocol/json.hpp"

namespace txrt::telecomx {

namespace {

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

struct publish_request {
  std::string channel;
  std::string event;  // the raw event object, as sent
  std::string error;
};

publish_request parse_publish(std::string_view prefix, const std::string& body) {
  publish_request out;
  auto doc = protocol::json::parse(body);  // validates the whole body
  simdjson::dom::object obj;
  if (doc.error() || doc.value().get_object().get(obj)) {
    out.error = "body must be a JSON object {type, customer?, event}";
    return out;
  }
  std::string_view type_text;
  if (obj["type"].get_string().get(type_text)) {
    out.error = "type must be a string";
    return out;
  }
  auto type = telecomx::parse_event_type(type_text);
  if (!type) {
    out.error = "unknown event type";
    return out;
  }
  std::string_view customer;
  auto customer_field = obj["customer"];
  if (!customer_field.error() && !customer_field.is_null() &&
      (customer_field.get_string().get(customer) || customer.empty())) {
    out.error = "customer must be a non-empty string when present";
    return out;
  }
  if (!obj["event"].is_object()) {
    out.error = "event must be a JSON object";
    return out;
  }
  out.channel = bridge::event_channel_name(prefix, *type, customer);
  // The raw text of "event", so that it is published exactly as sent.
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  auto od = parser.iterate(padded);
  std::string_view raw;
  simdjson::ondemand::object event;
  if (od.find_field_unordered("event").get_object().get(event) || event.raw_json().get(raw)) {
    out.error = "event must be a JSON object";
    return out;
  }
  out.event = std::string(raw);
  return out;
}

}  // namespace

bool secret_matches(std::string_view presented, std::string_view expected) noexcept {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < presented.size(); ++i)
    diff |= static_cast<unsigned char>(presented[i] ^ expected[i % (expected.empty() ? 1 : expected.size())]);
  return diff == 0 && !expected.empty();
}

http::handler make_publish_handler(std::string secret, std::string prefix, bridge::bus& bus) {
  return [secret = std::move(secret), prefix = std::move(prefix),
          &bus](const http::request& req) -> http::response {
    if (secret.empty()) return http::make_response(req, 404, "Not Found");
    if (req.method() != http::beast_http::verb::post)
      return json_answer(req, 405, "method_not_allowed", "use POST");
    std::string_view auth = req[http::beast_http::field::authorization];
    constexpr std::string_view bearer = "Bearer ";
    if (!auth.starts_with(bearer) || !secret_matches(auth.substr(bearer.size()), secret))
      return json_answer(req, 401, "unauthorized", "missing or wrong bearer secret");
    auto parsed = parse_publish(prefix, req.body());
    if (!parsed.error.empty()) return json_answer(req, 400, "invalid", parsed.error);
    if (!bus.ready()) return json_answer(req, 503, "unavailable", "the bus is not connected");
    bus.publish(parsed.channel, std::move(parsed.event));
    return json_answer(req, 202, "", "published on " + parsed.channel);
  };
}

}  // namespace txrt::telecomx
