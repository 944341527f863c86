#include "protocol/telecomx/event_message.hpp"

#include "protocol/json.hpp"

namespace txrt::telecomx {

std::optional<event_message> parse_event_message(std::string_view payload) {
  auto doc = protocol::json::parse(payload);
  simdjson::dom::object object;
  if (doc.error() || doc.value_unsafe().get_object().get(object)) return std::nullopt;
  event_message out;
  std::string_view sub_event;
  // Copied: the view points into the thread's parser, which the next parse reuses.
  if (!object["event"].get_string().get(sub_event)) out.sub_event = std::string(sub_event);
  std::string_view customer;
  if (!object["customer"].get_string().get(customer)) out.customer = std::string(customer);
  return out;
}

}  // namespace txrt::telecomx
