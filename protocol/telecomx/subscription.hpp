#pragma once
// Subscriptions and the events they select: the vocabulary of SPEC §5, as pure functions.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace txrt::telecomx {

// The types of event publishers put on the bus.
enum class event_type : std::uint8_t { config, call, reg, pbx, realtime, trunk, redis };
inline constexpr std::size_t event_type_count = 7;
// The wire names, indexed by the enum's value (also the metrics' label values).
inline constexpr std::array<std::string_view, event_type_count> event_type_names = {
    "CONFIG", "CALL", "REGISTER", "PBX", "REALTIME", "TRUNK", "REDIS"};
// "CONFIG", "CALL", "REGISTER", "PBX", "REALTIME", "TRUNK", "REDIS" (exact).
std::optional<event_type> parse_event_type(std::string_view text) noexcept;
std::string_view to_string(event_type t) noexcept;

enum class subscription_type : std::uint8_t {
  admin,           // ADMIN: every event (optionally only `types`)
  admin_config,    // ADMIN:CONFIG
  admin_call,      // ADMIN:CALL
  admin_register,  // ADMIN:REGISTER
  admin_pbx,       // ADMIN:PBX
  admin_realtime,  // ADMIN:REALTIME
  pbx,             // PBX + customer
  config,          // CONFIG + customer
  config_not_iptv, // CONFIG-NOT-IPTV + customer: CONFIG events whose `event` does not start with IPTV_
  reg,             // REGISTER + customer
  call,            // CALL + customer
};
inline constexpr std::size_t subscription_type_count = 11;
// The wire names, indexed by the enum's value (also the metrics' label values).
inline constexpr std::array<std::string_view, subscription_type_count> subscription_type_names = {
    "ADMIN", "ADMIN:CONFIG", "ADMIN:CALL",      "ADMIN:REGISTER", "ADMIN:PBX", "ADMIN:REALTIME",
    "PBX",   "CONFIG",       "CONFIG-NOT-IPTV", "REGISTER",       "CALL"};
static_assert(static_cast<std::size_t>(subscription_type::call) + 1 == subscription_type_count);
std::optional<subscription_type> parse_subscription_type(std::string_view text) noexcept;
std::string_view to_string(subscription_type t) noexcept;
// True for ADMIN and ADMIN:*; false for the customer types.
bool is_admin_type(subscription_type t) noexcept;
// The event type a customer or ADMIN:<T> subscription selects (ADMIN itself: nullopt).
std::optional<event_type> selected_event_type(subscription_type t) noexcept;

struct subscription {
  subscription_type type = subscription_type::admin;
  std::string customer;              // customer types only; empty for ADMIN types
  std::vector<std::string> events;   // sub-event filter, sorted and unique; empty = all
  std::vector<event_type> types;     // ADMIN only, sorted and unique; empty = all
  bool operator==(const subscription&) const = default;
};

// An event as routing sees it. `customer` is the channel's customer (empty when the channel
// has none); `sub_event` is the payload's "event" field (empty when absent or not a string).
struct event_meta {
  event_type type = event_type::pbx;
  std::string_view customer;
  std::string_view sub_event;
};

// TRUNK and REDIS events, and the CALL sub-events MAXCHANNELS and PEER_ERROR, reach only ADMIN
// subscriptions (ADMIN and ADMIN:<type>); the seed marks them "ADMIN only".
bool admin_only(const event_meta& e) noexcept;

// Whether `s` selects `e` (type, customer, events filter, types filter, CONFIG-NOT-IPTV,
// admin_only). A customer subscription never selects an event without a customer.
bool matches(const subscription& s, const event_meta& e) noexcept;

// Bounds of one subscribe / unsubscribe payload (SPEC §5). They bound what a socket can make
// the server store and echo: a subscription's `subscribed` echo is at most 256 entries of 64
// bytes, each at most 6 times longer once JSON-escaped (\u00XX), about 100 KB.
inline constexpr std::size_t max_customer_bytes = 128;
inline constexpr std::size_t max_filter_entries = 256;     // in `events`, and in `types`
inline constexpr std::size_t max_filter_entry_bytes = 64;  // each `events` entry

// The client's subscribe / unsubscribe payload.
struct parse_error {
  std::string message;  // for subscribe_failed {code:"invalid", message}
};
struct parsed_subscription {
  std::optional<subscription> value;
  std::optional<parse_error> error;
  // Known even when invalid, for the error answer: the type and customer as sent, when strings.
  std::string type_text;
  std::string customer_text;
};
// Validates {type, customer?, events?, types?}: type a known string; customer a non-empty
// string (at most 128 bytes) for customer types, and ignored (must be absent, null or a string)
// for ADMIN types; events an array of 1..256 non-empty strings of at most 64 bytes (customer
// types and ADMIN:*); types an array of 1..256 known event type names (ADMIN only). An unknown type
// is an error too (answered as `invalid`). The result is normalised (see normalise()). `json` is
// one JSON value.
parsed_subscription parse_subscription(std::string_view json);
// The same, from an event's arguments (the raw JSON elements after the event name): the first
// argument is the payload. One JSON parse, no scan before it; what subscribe and unsubscribe use.
parsed_subscription parse_subscription_args(std::string_view event_args);

// The normal form, in which equality means "selects the same events": `events` and `types`
// sorted and unique, and the fields the type ignores cleared (customer for ADMIN types, events
// for ADMIN, types for every other type). parse_subscription's results are already in it.
void normalise(subscription& s);

// The normalised subscription as JSON, for the `subscribed` / `unsubscribed` echo:
// {"type":"PBX","customer":"c1","events":["CALL_END","CALL_START"]} (absent fields omitted).
std::string to_json(const subscription& s);

}  // namespace txrt::telecomx
