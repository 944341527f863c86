#pragma once
// Redis channel and key names, in one place (SPEC §6, §7). Pure.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/telecomx/subscription.hpp"

namespace txrt::bridge {

struct event_channel {
  telecomx::event_type type;
  std::string_view customer;  // empty when the channel has none
};

// "<prefix>event:PBX:c1" -> {pbx, "c1"}; "<prefix>event:TRUNK" -> {trunk, ""}. nullopt when the
// channel is not an event channel of a known type (or the customer part is empty).
std::optional<event_channel> parse_event_channel(std::string_view prefix,
                                                 std::string_view channel) noexcept;

std::string event_channel_name(std::string_view prefix, telecomx::event_type type,
                               std::string_view customer);
// The pattern a node PSUBSCRIBEs to: "<prefix>event:*".
std::string event_pattern(std::string_view prefix);
std::string control_channel(std::string_view prefix);                       // <prefix>control
std::string admin_channel(std::string_view prefix);  // <prefix>admin: the Admin UI's nodes
// <prefix>admin:session:<id>: an Admin UI session (its employee or admin-username), with a TTL
std::string admin_session_key(std::string_view prefix, std::string_view id);
std::string employee_channel(std::string_view prefix, std::string_view id);  // <prefix>employee:<id>
// "<prefix>employee:17" -> "17" (a view into `channel`); nullopt when the channel is not an
// employee channel or its id is empty.
std::optional<std::string_view> parse_employee_channel(std::string_view prefix,
                                                       std::string_view channel) noexcept;
std::string session_key(std::string_view prefix, std::string_view token);    // <prefix>session:<token>
// Connection state recovery (SPEC §11): the markers that number the event stream, the counter
// that makes their numbers grow, and the record of one recoverable session.
std::string recovery_marker_channel(std::string_view prefix);  // <prefix>recovery:marker
std::string recovery_epoch_key(std::string_view prefix);       // <prefix>recovery:epoch
std::string recovery_session_key(std::string_view prefix, std::string_view pid);  // <prefix>recovery:session:<pid>
std::string customer_parent_key(std::string_view prefix);                   // <prefix>customer:parent
std::string employee_customer_key(std::string_view prefix);                 // <prefix>employee:customer
std::string request_key(std::string_view prefix, std::string_view request_id);  // <prefix>request:<id>

}  // namespace txrt::bridge
