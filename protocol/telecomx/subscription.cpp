#include "protocol/telecomx/subscription.hpp"

#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>

#include "protocol/json.hpp"
#include "protocol/log_text.hpp"
#include "protocol/telecomx/event_args.hpp"

namespace txrt::telecomx {

namespace {

constexpr std::size_t max_echo_bytes = 64;

bool contains(const std::vector<std::string>& sorted, std::string_view value) noexcept {
  return std::binary_search(sorted.begin(), sorted.end(), value,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

// Client text quoted back in an error message, cut short so a hostile payload cannot make the
// answer large; the cut backs off to a UTF-8 boundary so the answer stays valid JSON text.
std::string quoted(std::string_view text) {
  if (text.size() <= max_echo_bytes) return "'" + std::string(text) + "'";
  return "'" + std::string(protocol::utf8_prefix(text, max_echo_bytes)) + "...'";
}

using simdjson::dom::element;

// Reads an optional array of strings. Absent and null both mean "no filter" (clients written
// in JavaScript send either for "unset").
bool read_strings(const simdjson::dom::object& obj, std::string_view key, bool& present,
                  std::vector<std::string_view>& out) {
  element value;
  present = false;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return true;
  present = true;
  simdjson::dom::array array;
  if (value.get(array) != simdjson::SUCCESS) return false;
  for (const element item : array) {
    std::string_view text;
    if (item.get(text) != simdjson::SUCCESS) return false;
    out.push_back(text);
  }
  return true;
}

}  // namespace

std::optional<event_type> parse_event_type(std::string_view text) noexcept {
  for (std::size_t i = 0; i < event_type_names.size(); ++i) {
    if (event_type_names[i] == text) return static_cast<event_type>(i);
  }
  return std::nullopt;
}

std::string_view to_string(event_type t) noexcept {
  return event_type_names[static_cast<std::size_t>(t)];
}

std::optional<subscription_type> parse_subscription_type(std::string_view text) noexcept {
  for (std::size_t i = 0; i < subscription_type_names.size(); ++i) {
    if (subscription_type_names[i] == text) return static_cast<subscription_type>(i);
  }
  return std::nullopt;
}

std::string_view to_string(subscription_type t) noexcept {
  return subscription_type_names[static_cast<std::size_t>(t)];
}

bool is_admin_type(subscription_type t) noexcept {
  return t <= subscription_type::admin_realtime;
}

std::optional<event_type> selected_event_type(subscription_type t) noexcept {
  switch (t) {
    case subscription_type::admin:
      return std::nullopt;
    case subscription_type::admin_config:
    case subscription_type::config:
    case subscription_type::config_not_iptv:
      return event_type::config;
    case subscription_type::admin_call:
    case subscription_type::call:
      return event_type::call;
    case subscription_type::admin_register:
    case subscription_type::reg:
      return event_type::reg;
    case subscription_type::admin_pbx:
    case subscription_type::pbx:
      return event_type::pbx;
    case subscription_type::admin_realtime:
      return event_type::realtime;
  }
  return std::nullopt;
}

bool admin_only(const event_meta& e) noexcept {
  switch (e.type) {
    case event_type::trunk:
    case event_type::redis:
      return true;
    case event_type::call:
      return e.sub_event == "MAXCHANNELS" || e.sub_event == "PEER_ERROR";
    default:
      return false;
  }
}

bool matches(const subscription& s, const event_meta& e) noexcept {
  if (s.type == subscription_type::admin) {
    // The firehose: every event, narrowed only by `types` (its `events` means nothing).
    return s.types.empty() || std::find(s.types.begin(), s.types.end(), e.type) != s.types.end();
  }
  if (selected_event_type(s.type) != e.type) return false;
  if (!is_admin_type(s.type)) {
    if (e.customer.empty() || e.customer != s.customer || admin_only(e)) return false;
    if (s.type == subscription_type::config_not_iptv && e.sub_event.starts_with("IPTV_")) {
      return false;
    }
  }
  return s.events.empty() || contains(s.events, e.sub_event);
}

void normalise(subscription& s) {
  std::sort(s.events.begin(), s.events.end());
  s.events.erase(std::unique(s.events.begin(), s.events.end()), s.events.end());
  std::sort(s.types.begin(), s.types.end());
  s.types.erase(std::unique(s.types.begin(), s.types.end()), s.types.end());
  if (is_admin_type(s.type)) s.customer.clear();
  if (s.type == subscription_type::admin) s.events.clear();
  if (s.type != subscription_type::admin) s.types.clear();
}

namespace {

// The one reading of a subscription payload, from its parsed first value (`parsed` is the
// simdjson outcome: an error when the text was not valid JSON or there was no value).
parsed_subscription read_subscription(simdjson::simdjson_result<element> parsed) {
  parsed_subscription out;
  const auto fail = [&out](std::string message) -> parsed_subscription& {
    out.error = parse_error{std::move(message)};
    return out;
  };

  element root;
  if (std::move(parsed).get(root) != simdjson::SUCCESS) {
    return fail("subscription is not valid JSON");
  }
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return fail("subscription must be a JSON object");

  // Record type and customer first: the error answer echoes them even when something else fails.
  element type_value;
  const bool has_type =
      obj.at_key("type").get(type_value) == simdjson::SUCCESS && !type_value.is_null();
  std::string_view type_text;
  const bool type_is_string = has_type && type_value.get(type_text) == simdjson::SUCCESS;
  if (type_is_string) out.type_text = type_text;
  element customer_value;
  const bool has_customer =
      obj.at_key("customer").get(customer_value) == simdjson::SUCCESS && !customer_value.is_null();
  std::string_view customer_text;
  const bool customer_is_string =
      has_customer && customer_value.get(customer_text) == simdjson::SUCCESS;
  if (customer_is_string) out.customer_text = customer_text;

  if (!has_type) return fail("type is required");
  if (!type_is_string) return fail("type must be a string");
  const auto type = parse_subscription_type(type_text);
  if (!type) return fail("unknown subscription type " + quoted(type_text));

  subscription s;
  s.type = *type;
  if (has_customer && !customer_is_string) return fail("customer must be a string");
  if (!is_admin_type(s.type)) {
    if (customer_text.empty()) return fail("customer is required for " + out.type_text);
    if (customer_text.size() > max_customer_bytes) {
      return fail("customer must be at most 128 bytes");
    }
    s.customer = customer_text;
  }

  bool present = false;
  std::vector<std::string_view> items;
  if (!read_strings(obj, "events", present, items)) {
    return fail("events must be an array of strings");
  }
  if (present) {
    if (s.type == subscription_type::admin) return fail("events is not allowed for ADMIN");
    if (items.empty()) return fail("events must not be empty");
    if (items.size() > max_filter_entries) return fail("events must have at most 256 entries");
    for (const auto item : items) {
      if (item.empty()) return fail("events must not contain empty strings");
      if (item.size() > max_filter_entry_bytes)
        return fail("events entries must be at most 64 bytes");
      s.events.emplace_back(item);
    }
  }

  items.clear();
  if (!read_strings(obj, "types", present, items)) {
    return fail("types must be an array of event type names");
  }
  if (present) {
    if (s.type != subscription_type::admin) return fail("types is only allowed for ADMIN");
    // An empty list would read as "all types": refuse it rather than guess what was meant.
    if (items.empty()) return fail("types must not be empty");
    if (items.size() > max_filter_entries) return fail("types must have at most 256 entries");
    for (const auto item : items) {
      const auto t = parse_event_type(item);
      if (!t) return fail("unknown event type " + quoted(item) + " in types");
      s.types.push_back(*t);
    }
  }

  normalise(s);
  out.value = std::move(s);
  return out;
}

}  // namespace

parsed_subscription parse_subscription(std::string_view json) {
  return read_subscription(protocol::json::parse(json));
}

parsed_subscription parse_subscription_args(std::string_view event_args) {
  return read_subscription(parse_first_argument(event_args));
}

std::string to_json(const subscription& s) {
  std::string out = "{\"type\":";
  protocol::json::append_string(to_string(s.type), out);
  if (!s.customer.empty()) {
    out += ",\"customer\":";
    protocol::json::append_string(s.customer, out);
  }
  const auto append_list = [&out](std::string_view key, const auto& items) {
    if (items.empty()) return;
    out += ",\"";
    out += key;
    out += "\":[";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out.push_back(',');
      if constexpr (std::is_same_v<std::decay_t<decltype(items[i])>, event_type>) {
        protocol::json::append_string(to_string(items[i]), out);
      } else {
        protocol::json::append_string(items[i], out);
      }
    }
    out.push_back(']');
  };
  append_list("events", s.events);
  append_list("types", s.types);
  out.push_back('}');
  return out;
}

}  // namespace txrt::telecomx
