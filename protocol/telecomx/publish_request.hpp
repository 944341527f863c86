#pragma once
// The body of POST /events (app/publish_endpoint): {"type": "<TYPE>", "customer": "<id>" | null
// (optional), "event": {...}}. The event object is kept as the exact bytes sent, so that it is
// published byte for byte; nothing is re-serialised. Unknown members are ignored.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/telecomx/subscription.hpp"

namespace txrt::telecomx {

struct publish_request {
  event_type type = event_type::pbx;
  std::string customer;  // empty when absent or null
  std::string event;     // the raw text of the "event" object, as sent
};

struct parsed_publish_request {
  std::optional<publish_request> value;
  std::string error;  // when !value: the message of the 400 answer (never echoes the body)
};

parsed_publish_request parse_publish_request(std::string_view body);

}  // namespace txrt::telecomx
