// protocol/telecomx/publish_request: the POST /events body — the event object kept byte for
// byte, and the message of the 400 answer for every malformed body (unchanged from the parser
// that lived in app/publish_endpoint.cpp, in the same order of checks).
#include "protocol/telecomx/publish_request.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace txrt::telecomx;

namespace {

publish_request parsed(std::string_view body) {
  auto p = parse_publish_request(body);
  INFO(body << " -> " << p.error);
  REQUIRE(p.value);
  CHECK(p.error.empty());
  return std::move(*p.value);
}

std::string error_of(std::string_view body) {
  auto p = parse_publish_request(body);
  INFO(body);
  REQUIRE_FALSE(p.value);
  REQUIRE_FALSE(p.error.empty());
  return p.error;
}

}  // namespace

TEST_CASE("publish_request keeps the event object exactly as sent", "[telecomx]") {
  const auto r =
      parsed(R"({"type":"PBX","customer":"c1","event":{ "event" : "X", "n":1.50 ,"u":"\u00e9"}})");
  CHECK(r.type == event_type::pbx);
  CHECK(r.customer == "c1");
  CHECK(r.event == R"({ "event" : "X", "n":1.50 ,"u":"\u00e9"})");

  // The event may come first; the customer may be absent or null (a channel without customer).
  const auto first = parsed(R"({"event":{},"type":"TRUNK"})");
  CHECK(first.type == event_type::trunk);
  CHECK(first.customer.empty());
  CHECK(first.event == "{}");
  CHECK(parsed(R"({"type":"CONFIG","customer":null,"event":{"a":[1,{"b":2}]},"x":0})").event ==
        R"({"a":[1,{"b":2}]})");
  CHECK(parsed(R"({"type":"REGISTER","event":{}})").type == event_type::reg);
}

TEST_CASE("publish_request answers every malformed body with its message", "[telecomx]") {
  const std::string not_object = "body must be a JSON object {type, customer?, event}";
  CHECK(error_of("") == not_object);
  CHECK(error_of("not json") == not_object);
  CHECK(error_of("[]") == not_object);
  CHECK(error_of(R"({"type":"PBX","event":{}})"
                 "x") == not_object);
  CHECK(error_of(R"({"event":{}})") == "type must be a string");
  CHECK(error_of(R"({"type":3,"event":{}})") == "type must be a string");
  CHECK(error_of(R"({"type":"pbx","event":{}})") == "unknown event type");
  CHECK(error_of(R"({"type":"ADMIN","event":{}})") == "unknown event type");
  const std::string bad_customer = "customer must be a non-empty string when present";
  CHECK(error_of(R"({"type":"PBX","customer":"","event":{}})") == bad_customer);
  CHECK(error_of(R"({"type":"PBX","customer":7,"event":{}})") == bad_customer);
  const std::string bad_event = "event must be a JSON object";
  CHECK(error_of(R"({"type":"PBX","customer":"c"})") == bad_event);
  CHECK(error_of(R"({"type":"PBX","event":"{}"})") == bad_event);
  CHECK(error_of(R"({"type":"PBX","event":[{}]})") == bad_event);
  CHECK(error_of(R"({"type":"PBX","event":null})") == bad_event);
}
