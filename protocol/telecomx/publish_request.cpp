#include "protocol/telecomx/publish_request.hpp"

#include "protocol/json.hpp"

namespace txrt::telecomx {

namespace {

parsed_publish_request invalid(std::string message) {
  return parsed_publish_request{std::nullopt, std::move(message)};
}

}  // namespace

parsed_publish_request parse_publish_request(std::string_view body) {
  auto doc = protocol::json::parse(body);  // validates the whole body
  simdjson::dom::object obj;
  if (doc.error() || doc.value_unsafe().get_object().get(obj)) {
    return invalid("body must be a JSON object {type, customer?, event}");
  }
  std::string_view type_text;
  if (obj["type"].get_string().get(type_text)) return invalid("type must be a string");
  const auto type = parse_event_type(type_text);
  if (!type) return invalid("unknown event type");
  std::string_view customer;
  auto customer_field = obj["customer"];
  if (!customer_field.error() && !customer_field.is_null() &&
      (customer_field.get_string().get(customer) || customer.empty())) {
    return invalid("customer must be a non-empty string when present");
  }
  if (!obj["event"].is_object()) return invalid("event must be a JSON object");
  publish_request out;
  out.type = *type;
  out.customer = std::string(customer);  // copied before the parse below
  // The raw text of "event", so that it is published exactly as sent. The DOM above has
  // validated the body; the On-Demand API is what hands out a value's raw text.
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  auto od = parser.iterate(padded);
  std::string_view raw;
  simdjson::ondemand::object event;
  if (od.find_field_unordered("event").get_object().get(event) || event.raw_json().get(raw)) {
    return invalid("event must be a JSON object");
  }
  out.event = std::string(raw);
  return parsed_publish_request{std::move(out), {}};
}

}  // namespace txrt::telecomx
