#pragma once
// A message a publisher puts on <prefix>event:<TYPE>[:<customer>], as fan-out reads it: the
// payload must be a JSON object (anything else is dropped, never delivered), and routing needs
// only its "event" member, the sub-event (CONFIG-NOT-IPTV, `events` filters, the ADMIN-only CALL
// sub-events, the directory's CUSTOMER_UPDATED). The payload itself is delivered as published:
// it is validated here, never re-serialised. The event's customer is the channel's, not a
// member of the payload.
#include <optional>
#include <string>
#include <string_view>

namespace txrt::telecomx {

struct event_message {
  std::string sub_event;  // the "event" member; empty when absent or not a string
  // The "customer" member when it is a string. Routing ignores it (the channel's customer
  // decides); fan-out only counts a payload whose customer differs from its channel's, so that
  // a publisher's bug shows on a dashboard.
  std::optional<std::string> customer;
};

// nullopt when `payload` is not a JSON object (invalid JSON, invalid UTF-8, another value).
std::optional<event_message> parse_event_message(std::string_view payload);

}  // namespace txrt::telecomx
