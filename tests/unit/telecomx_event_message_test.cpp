// protocol/telecomx/event_message: what fan-out reads from a published message — whether it is
// a JSON object at all, and its "event" member.
#include "protocol/telecomx/event_message.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace txrt::telecomx;

TEST_CASE("event_message reads the sub-event of a JSON object", "[telecomx]") {
  const auto m = parse_event_message(R"({"event":"CALL_START","customer":"c1","data":{}})");
  REQUIRE(m);
  CHECK(m->sub_event == "CALL_START");
  // Escapes are undone: routing compares the sub-event's value.
  CHECK(parse_event_message(R"({"event":"IPTV_\u0044EVICE"})")->sub_event == "IPTV_DEVICE");
  CHECK(parse_event_message(" {\"event\":\"X\"} \n")->sub_event == "X");
  // The first "event" wins, as in every other reader of the payload.
  CHECK(parse_event_message(R"({"event":"A","event":"B"})")->sub_event == "A");
}

TEST_CASE("event_message: an object without a string event has an empty sub-event", "[telecomx]") {
  for (const char* payload : {"{}", R"({"event":null})", R"({"event":5})", R"({"event":["A"]})",
                              R"({"data":{"event":"A"}})", R"({"event":""})"}) {
    INFO(payload);
    const auto m = parse_event_message(payload);
    REQUIRE(m);
    CHECK(m->sub_event.empty());
  }
}

TEST_CASE("event_message refuses what is not a JSON object", "[telecomx]") {
  for (const char* payload :
       {"", " ", "not json", "[]", R"(["event","A"])", "\"text\"", "42", "null", "true",
        R"({"event":"A")", R"({"event":"A"} {})", R"({"event":"A",})", "{\"event\":\"\xff\"}"}) {
    INFO(payload);
    CHECK_FALSE(parse_event_message(payload));
  }
}

TEST_CASE("event_message's result outlives the next parse on the thread", "[telecomx]") {
  auto first = parse_event_message(R"({"event":"FIRST_ONE_LONG_ENOUGH_TO_ALLOCATE"})");
  auto second = parse_event_message(R"({"event":"SECOND"})");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->sub_event == "FIRST_ONE_LONG_ENOUGH_TO_ALLOCATE");
  CHECK(second->sub_event == "SECOND");
}

TEST_CASE("event_message reads the payload's customer when it is a string", "[telecomx]") {
  CHECK(parse_event_message(R"({"event":"A","customer":"c1"})")->customer == "c1");
  CHECK_FALSE(parse_event_message(R"({"event":"A"})")->customer);
  CHECK_FALSE(parse_event_message(R"({"customer":7})")->customer);
  CHECK_FALSE(parse_event_message(R"({"customer":null})")->customer);
  CHECK(parse_event_message(R"({"customer":""})")->customer == "");
}
