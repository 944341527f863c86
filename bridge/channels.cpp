#include "bridge/channels.hpp"

namespace txrt::bridge {

namespace {

constexpr std::string_view event_segment = "event:";
constexpr std::string_view employee_segment = "employee:";

std::string joined(std::string_view prefix, std::string_view name, std::string_view tail = {}) {
  std::string out;
  out.reserve(prefix.size() + name.size() + tail.size());
  out.append(prefix).append(name).append(tail);
  return out;
}

}  // namespace

std::optional<event_channel> parse_event_channel(std::string_view prefix,
                                                 std::string_view channel) noexcept {
  if (!channel.starts_with(prefix)) return std::nullopt;
  channel.remove_prefix(prefix.size());
  if (!channel.starts_with(event_segment)) return std::nullopt;
  channel.remove_prefix(event_segment.size());
  // The type ends at the first ':'; everything after it is the customer, which may itself
  // contain ':' (customer ids are opaque), but must not be empty.
  const auto colon = channel.find(':');
  const auto type = telecomx::parse_event_type(channel.substr(0, colon));
  if (!type) return std::nullopt;
  if (colon == std::string_view::npos) return event_channel{*type, {}};
  const auto customer = channel.substr(colon + 1);
  if (customer.empty()) return std::nullopt;
  return event_channel{*type, customer};
}

std::string event_channel_name(std::string_view prefix, telecomx::event_type type,
                               std::string_view customer) {
  std::string out = joined(prefix, event_segment, telecomx::to_string(type));
  if (!customer.empty()) out.append(":").append(customer);
  return out;
}

std::string event_pattern(std::string_view prefix) {
  // PSUBSCRIBE takes a glob: a prefix holding glob characters is escaped so that it matches
  // only itself.
  std::string out;
  out.reserve(prefix.size() + event_segment.size() + 1);
  for (const char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.append(event_segment).push_back('*');
  return out;
}

std::string admin_channel(std::string_view prefix) {
  return joined(prefix, "admin");
}

std::string admin_session_key(std::string_view prefix, std::string_view id) {
  return joined(prefix, "admin:session:", id);
}

std::string control_channel(std::string_view prefix) {
  return joined(prefix, "control");
}

std::string employee_channel(std::string_view prefix, std::string_view id) {
  return joined(prefix, employee_segment, id);
}

std::optional<std::string_view> parse_employee_channel(std::string_view prefix,
                                                       std::string_view channel) noexcept {
  if (!channel.starts_with(prefix)) return std::nullopt;
  channel.remove_prefix(prefix.size());
  if (!channel.starts_with(employee_segment)) return std::nullopt;
  channel.remove_prefix(employee_segment.size());
  if (channel.empty()) return std::nullopt;
  return channel;
}

std::string session_key(std::string_view prefix, std::string_view token) {
  return joined(prefix, "session:", token);
}

std::string customer_parent_key(std::string_view prefix) {
  return joined(prefix, "customer:parent");
}

std::string employee_customer_key(std::string_view prefix) {
  return joined(prefix, "employee:customer");
}

std::string request_key(std::string_view prefix, std::string_view request_id) {
  return joined(prefix, "request:", request_id);
}

std::string recovery_marker_channel(std::string_view prefix) {
  return std::string(prefix) + "recovery:marker";
}

std::string recovery_epoch_key(std::string_view prefix) {
  return std::string(prefix) + "recovery:epoch";
}

std::string recovery_session_key(std::string_view prefix, std::string_view pid) {
  return std::string(prefix) + "recovery:session:" + std::string(pid);
}

}  // namespace txrt::bridge
