// protocol/telecomx/subscription: type names, the subscribe payload (every malformed case answers
// with a message), the JSON echo, and matches() as a table of every subscription type against
// representative events.
#include "protocol/telecomx/subscription.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace txrt::telecomx;

namespace {

subscription parsed(std::string_view json) {
  auto p = parse_subscription(json);
  INFO(json << " -> " << (p.error ? p.error->message : ""));
  REQUIRE(p.value);
  REQUIRE_FALSE(p.error);
  return *p.value;
}

std::string error_of(std::string_view json) {
  auto p = parse_subscription(json);
  INFO(json);
  REQUIRE(p.error);
  REQUIRE_FALSE(p.value);
  return p.error->message;
}

subscription sub(subscription_type t, std::string customer = {},
                 std::vector<std::string> events = {}, std::vector<event_type> types = {}) {
  return subscription{t, std::move(customer), std::move(events), std::move(types)};
}

}  // namespace

TEST_CASE("event and subscription type names round-trip", "[rooms]") {
  for (std::size_t i = 0; i < event_type_count; ++i) {
    const auto t = static_cast<event_type>(i);
    CHECK(parse_event_type(to_string(t)) == t);
  }
  CHECK(to_string(event_type::reg) == "REGISTER");
  CHECK_FALSE(parse_event_type("pbx"));
  CHECK_FALSE(parse_event_type("PBX "));
  CHECK_FALSE(parse_event_type(""));
  for (std::size_t i = 0; i <= static_cast<std::size_t>(subscription_type::call); ++i) {
    const auto t = static_cast<subscription_type>(i);
    CHECK(parse_subscription_type(to_string(t)) == t);
  }
  CHECK(to_string(subscription_type::config_not_iptv) == "CONFIG-NOT-IPTV");
  CHECK(to_string(subscription_type::admin_register) == "ADMIN:REGISTER");
  CHECK_FALSE(parse_subscription_type("ADMIN:TRUNK"));
  CHECK_FALSE(parse_subscription_type("admin"));
  CHECK(is_admin_type(subscription_type::admin));
  CHECK(is_admin_type(subscription_type::admin_realtime));
  CHECK_FALSE(is_admin_type(subscription_type::pbx));
  CHECK_FALSE(is_admin_type(subscription_type::config_not_iptv));
  CHECK_FALSE(selected_event_type(subscription_type::admin));
  CHECK(selected_event_type(subscription_type::admin_call) == event_type::call);
  CHECK(selected_event_type(subscription_type::config_not_iptv) == event_type::config);
  CHECK(selected_event_type(subscription_type::reg) == event_type::reg);
}

TEST_CASE("admin_only marks TRUNK, REDIS and two CALL sub-events", "[rooms]") {
  CHECK(admin_only({event_type::trunk, "", "UP"}));
  CHECK(admin_only({event_type::redis, "c1", ""}));
  CHECK(admin_only({event_type::call, "c1", "MAXCHANNELS"}));
  CHECK(admin_only({event_type::call, "", "PEER_ERROR"}));
  CHECK_FALSE(admin_only({event_type::call, "c1", "CALL_START"}));
  CHECK_FALSE(admin_only({event_type::pbx, "c1", "MAXCHANNELS"}));
  CHECK_FALSE(admin_only({event_type::realtime, "", "CONNECTED"}));
}

TEST_CASE("parse_subscription accepts and normalises valid payloads", "[rooms]") {
  CHECK(parsed(R"({"type":"PBX","customer":"c1"})") == sub(subscription_type::pbx, "c1"));
  CHECK(parsed(R"( {"type":"CALL","customer":"c1","events":["B","A","B"]} )") ==
        sub(subscription_type::call, "c1", {"A", "B"}));
  CHECK(parsed(R"({"type":"ADMIN"})") == sub(subscription_type::admin));
  CHECK(parsed(R"({"type":"ADMIN","types":["TRUNK","PBX","PBX"]})") ==
        sub(subscription_type::admin, "", {}, {event_type::pbx, event_type::trunk}));
  // ADMIN types ignore a customer given as a string or null.
  CHECK(parsed(R"({"type":"ADMIN:PBX","customer":"c9"})") == sub(subscription_type::admin_pbx));
  CHECK(parsed(R"({"type":"ADMIN","customer":null})") == sub(subscription_type::admin));
  CHECK(parsed(R"({"type":"ADMIN:CALL","events":["MAXCHANNELS"]})") ==
        sub(subscription_type::admin_call, "", {"MAXCHANNELS"}));
  // null filters mean "no filter"; unknown keys are ignored.
  CHECK(parsed(R"({"type":"CONFIG-NOT-IPTV","customer":"c1","events":null,"x":1})") ==
        sub(subscription_type::config_not_iptv, "c1"));
  CHECK(parsed(R"({"type":"ADMIN","types":null})") == sub(subscription_type::admin));
  CHECK(parsed(R"({"type":"REGISTER","customer":"é \"q\""})") ==
        sub(subscription_type::reg, "é \"q\""));
  CHECK(parsed(R"({"type":"PBX","customer":")" + std::string(128, 'x') + "\"}").customer.size() ==
        128);
  std::string many = R"({"type":"PBX","customer":"c","events":[)";
  for (int i = 0; i < 256; ++i) many += (i ? ",\"e" : "\"e") + std::to_string(i) + "\"";
  CHECK(parsed(many + "]}").events.size() == 256);

  const auto p = parse_subscription(R"({"type":"PBX","customer":"c1","events":[]})");
  CHECK(p.type_text == "PBX");
  CHECK(p.customer_text == "c1");
}

TEST_CASE("parse_subscription rejects every malformed payload with a message", "[rooms]") {
  CHECK(error_of("") == "subscription is not valid JSON");
  CHECK(error_of(R"({"type":"PBX")") == "subscription is not valid JSON");
  CHECK(error_of("\"PBX\"") == "subscription must be a JSON object");
  CHECK(error_of(R"([{"type":"PBX"}])") == "subscription must be a JSON object");
  CHECK(error_of("null") == "subscription must be a JSON object");
  CHECK(error_of("{}") == "type is required");
  CHECK(error_of(R"({"type":null})") == "type is required");
  CHECK(error_of(R"({"type":7})") == "type must be a string");
  CHECK(error_of(R"({"type":"FOO"})") == "unknown subscription type 'FOO'");
  CHECK(error_of(R"({"type":"pbx","customer":"c1"})") == "unknown subscription type 'pbx'");
  CHECK(error_of(R"({"type":")" + std::string(200, 'Z') + "\"}") ==
        "unknown subscription type '" + std::string(64, 'Z') + "...'");
  CHECK(error_of(R"({"type":"PBX"})") == "customer is required for PBX");
  CHECK(error_of(R"({"type":"CONFIG-NOT-IPTV","customer":null})") ==
        "customer is required for CONFIG-NOT-IPTV");
  CHECK(error_of(R"({"type":"CALL","customer":""})") == "customer is required for CALL");
  CHECK(error_of(R"({"type":"CALL","customer":5})") == "customer must be a string");
  CHECK(error_of(R"({"type":"ADMIN","customer":{}})") == "customer must be a string");
  CHECK(error_of(R"({"type":"PBX","customer":")" + std::string(129, 'x') + "\"}") ==
        "customer must be at most 128 bytes");
  CHECK(error_of(R"({"type":"PBX","customer":"c","events":"A"})") ==
        "events must be an array of strings");
  CHECK(error_of(R"({"type":"PBX","customer":"c","events":["A",1]})") ==
        "events must be an array of strings");
  CHECK(error_of(R"({"type":"PBX","customer":"c","events":[]})") == "events must not be empty");
  CHECK(error_of(R"({"type":"PBX","customer":"c","events":["A",""]})") ==
        "events must not contain empty strings");
  std::string many = R"({"type":"PBX","customer":"c","events":[)";
  for (int i = 0; i < 257; ++i) many += (i ? ",\"e" : "\"e") + std::to_string(i) + "\"";
  CHECK(error_of(many + "]}") == "events must have at most 256 entries");
  CHECK(error_of(R"({"type":"PBX","customer":"c","events":[")" + std::string(65, 'x') + "\"]}") ==
        "events entries must be at most 64 bytes");
  std::string many_types = R"({"type":"ADMIN","types":[)";
  for (int i = 0; i < 257; ++i) many_types += i ? ",\"PBX\"" : "\"PBX\"";
  CHECK(error_of(many_types + "]}") == "types must have at most 256 entries");
  CHECK(error_of(R"({"type":"ADMIN","events":["A"]})") == "events is not allowed for ADMIN");
  CHECK(error_of(R"({"type":"PBX","customer":"c","types":["PBX"]})") ==
        "types is only allowed for ADMIN");
  CHECK(error_of(R"({"type":"ADMIN:PBX","types":["PBX"]})") == "types is only allowed for ADMIN");
  CHECK(error_of(R"({"type":"ADMIN","types":"PBX"})") ==
        "types must be an array of event type names");
  CHECK(error_of(R"({"type":"ADMIN","types":[true]})") ==
        "types must be an array of event type names");
  CHECK(error_of(R"({"type":"ADMIN","types":[]})") == "types must not be empty");
  CHECK(error_of(R"({"type":"ADMIN","types":["PBX","pbx"]})") ==
        "unknown event type 'pbx' in types");

  // The error answer still echoes what was sent, when it was a string.
  const auto p = parse_subscription(R"({"type":"FOO","customer":"c7"})");
  CHECK(p.type_text == "FOO");
  CHECK(p.customer_text == "c7");
  const auto q = parse_subscription(R"({"type":1,"customer":2})");
  CHECK(q.type_text.empty());
  CHECK(q.customer_text.empty());
}

TEST_CASE("to_json echoes the normalised subscription", "[rooms]") {
  CHECK(to_json(sub(subscription_type::pbx, "c1")) == R"({"type":"PBX","customer":"c1"})");
  CHECK(to_json(sub(subscription_type::call, "c1", {"A", "B"})) ==
        R"({"type":"CALL","customer":"c1","events":["A","B"]})");
  CHECK(to_json(sub(subscription_type::admin)) == R"({"type":"ADMIN"})");
  CHECK(to_json(sub(subscription_type::admin, "", {}, {event_type::reg, event_type::redis})) ==
        R"({"type":"ADMIN","types":["REGISTER","REDIS"]})");
  CHECK(to_json(sub(subscription_type::config_not_iptv, "a\"b\\c\n", {"\x01"})) ==
        R"({"type":"CONFIG-NOT-IPTV","customer":"a\"b\\c\n","events":["\u0001"]})");
  // The echo parses back to the same subscription.
  const auto s = sub(subscription_type::admin_realtime, "", {"CONNECTED", "DISCONNECTED"});
  CHECK(parsed(to_json(s)) == s);
}

TEST_CASE("matches: every subscription type against representative events", "[rooms]") {
  using st = subscription_type;
  using et = event_type;
  struct ev {
    const char* name;
    event_meta meta;
  };
  const std::vector<ev> events = {
      {"pbx c1", {et::pbx, "c1", "CALL_START"}},
      {"pbx c2", {et::pbx, "c2", "CALL_START"}},
      {"config c1", {et::config, "c1", "USER_UPDATE"}},
      {"config c1 iptv", {et::config, "c1", "IPTV_CHANNEL"}},
      {"config c1 IPTV (no _)", {et::config, "c1", "IPTV"}},
      {"call c1", {et::call, "c1", "CALL_START"}},
      {"call c1 maxchannels", {et::call, "c1", "MAXCHANNELS"}},
      {"call c1 peer_error", {et::call, "c1", "PEER_ERROR"}},
      {"call none", {et::call, "", "CALL_START"}},
      {"register c1", {et::reg, "c1", "REGISTERED"}},
      {"realtime c1", {et::realtime, "c1", "AUTHENTICATED"}},
      {"realtime none", {et::realtime, "", "CONNECTED"}},
      {"trunk none", {et::trunk, "", "DOWN"}},
      {"redis c1", {et::redis, "c1", "X"}},
  };
  // One column per event above, in order: 1 = selected.
  const std::vector<std::pair<subscription, std::string>> table = {
      {sub(st::admin), "11111111111111"},
      {sub(st::admin, "", {}, {et::call, et::trunk}), "00000111100010"},
      {sub(st::admin_config), "00111000000000"},
      {sub(st::admin_config, "", {"IPTV_CHANNEL"}), "00010000000000"},
      {sub(st::admin_call), "00000111100000"},
      {sub(st::admin_call, "", {"MAXCHANNELS"}), "00000010000000"},
      {sub(st::admin_register), "00000000010000"},
      {sub(st::admin_pbx), "11000000000000"},
      {sub(st::admin_realtime), "00000000001100"},
      {sub(st::pbx, "c1"), "10000000000000"},
      {sub(st::pbx, "c1", {"CALL_END"}), "00000000000000"},
      {sub(st::pbx, "c2", {"CALL_START"}), "01000000000000"},
      {sub(st::config, "c1"), "00111000000000"},
      {sub(st::config, "c1", {"IPTV_CHANNEL", "USER_UPDATE"}), "00110000000000"},
      {sub(st::config_not_iptv, "c1"), "00101000000000"},
      {sub(st::config_not_iptv, "c1", {"IPTV_CHANNEL"}), "00000000000000"},
      {sub(st::config_not_iptv, "c2"), "00000000000000"},
      {sub(st::reg, "c1"), "00000000010000"},
      {sub(st::call, "c1"), "00000100000000"},
      {sub(st::call, "c1", {"CALL_START", "MAXCHANNELS"}), "00000100000000"},
      {sub(st::call, "", {}), "00000000000000"},  // never selects customer-less events
  };
  for (const auto& [s, expected] : table) {
    REQUIRE(expected.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      INFO(to_json(s) << " x " << events[i].name);
      CHECK(matches(s, events[i].meta) == (expected[i] == '1'));
    }
  }
}

TEST_CASE("parse_subscription_args reads the event's first argument in one parse", "[rooms]") {
  // The args as the Socket.IO codec hands them over: the elements after the event name.
  const auto p = parse_subscription_args(
      R"( {"type":"ADMIN","types":["PBX","CALL","PBX"],"customer":"x"} , "ignored", 3)");
  REQUIRE(p.value);
  CHECK(to_json(*p.value) == R"({"type":"ADMIN","types":["CALL","PBX"]})");
  // The same answer as parse_subscription on the first element alone.
  const auto q =
      parse_subscription(R"({"type":"ADMIN","types":["PBX","CALL","PBX"],"customer":"x"})");
  REQUIRE(q.value);
  CHECK(*p.value == *q.value);
  // Already normal: nothing further to sort or clear.
  auto copy = *p.value;
  normalise(copy);
  CHECK(copy == *p.value);

  const auto none = parse_subscription_args("");
  CHECK_FALSE(none.value);
  REQUIRE(none.error);
  CHECK(none.error->message == "subscription is not valid JSON");
  const auto not_object = parse_subscription_args(R"("PBX",{"type":"PBX"})");
  REQUIRE(not_object.error);
  CHECK(not_object.error->message == "subscription must be a JSON object");
  const auto broken = parse_subscription_args(R"({"type":"PBX")");
  REQUIRE(broken.error);
  CHECK(broken.error->message == "subscription is not valid JSON");
  const auto echoed = parse_subscription_args(R"({"type":"FOO","customer":"c9"},1)");
  CHECK(echoed.type_text == "FOO");
  CHECK(echoed.customer_text == "c9");
}

TEST_CASE("normalise sorts the filters and clears what the type ignores", "[rooms]") {
  subscription s;
  s.type = subscription_type::admin;
  s.customer = "c1";
  s.events = {"A"};
  s.types = {event_type::pbx, event_type::config, event_type::pbx};
  normalise(s);
  CHECK(s.customer.empty());
  CHECK(s.events.empty());
  CHECK(s.types == std::vector<event_type>{event_type::config, event_type::pbx});
  subscription t;
  t.type = subscription_type::pbx;
  t.customer = "c1";
  t.events = {"B", "A", "B"};
  t.types = {event_type::call};
  normalise(t);
  CHECK(t.customer == "c1");
  CHECK(t.events == std::vector<std::string>{"A", "B"});
  CHECK(t.types.empty());
}

// The `subscribed` echo is emitted twice (the event and the ack): with the codec's bounds its
// worst case cannot make its own socket a slow consumer. Worst case: 256 entries of 64 bytes,
// each byte a control character that JSON writes as \u00XX (6 bytes).
TEST_CASE("the largest subscribed echo fits well inside send-queue-bytes", "[telecomx]") {
  std::string payload = R"({"type":"PBX","customer":")" + std::string(128, 'c') + R"(","events":[)";
  for (std::size_t i = 0; i < max_filter_entries; ++i) {
    std::string entry(max_filter_entry_bytes, '\x01');
    entry.replace(0, 3, std::to_string(100 + i));  // distinct entries (sorted and unique)
    payload += (i ? "," : "");
    payload += '"';
    for (const char ch : entry)
      payload += ch == '\x01' ? std::string("\\u0001") : std::string(1, ch);
    payload += '"';
  }
  payload += "]}";
  const auto parsed = parse_subscription(payload);
  REQUIRE(parsed.value);
  REQUIRE(parsed.value->events.size() == 256);
  const std::string echo = to_json(*parsed.value);
  // 256 quoted entries of 3 digits and 61 \u0001, 255 commas, 168 bytes around: 95 399 bytes.
  CHECK(echo.size() == 256 * (2 + 3 + 61 * 6) + 255 + 168);
  CHECK(echo.size() < 100 * 1024);
  // The event `42["subscribed",…]` and the ack `43N[{"success":true,…}]`: under 20% of the
  // default send-queue-bytes (1048576), so even a socket that reads nothing is not cut off by
  // its own answer.
  const std::size_t both = 2 * (echo.size() + 64);
  CHECK(both < 1048576 / 5);
}
