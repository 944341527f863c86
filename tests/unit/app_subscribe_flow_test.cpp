// subscribe / unsubscribe without a network (SPEC §5): subscriptions over the real room index
// and the real file directory, the recording client_io in place of the socket.
#include <catch2/catch.hpp>

#include <string>

#include "protocol/telecomx/subscription.hpp"
#include "tests/doubles/app_harness.hpp"

using namespace txrt;
using telecomx::access_level;
using test::app_harness;
using test::who;

TEST_CASE("subscribe before authenticate: not_authenticated", "[app][subscribe]") {
  app_harness h;
  auto& c = h.connect();
  h.subscribe(c, R"({"type":"PBX","customer":"c1"})", 4);
  CHECK(
      h.told.last_emit(c, "subscribe_failed") ==
      R"({"type":"PBX","customer":"c1","code":"not_authenticated","message":"authenticate first"})");
  CHECK(h.told.last_ack(c) ==
        R"({"success":false,"code":"not_authenticated","message":"authenticate first"})");
  h.unsubscribe(c, R"({"type":"PBX","customer":"c1"})");
  CHECK(h.told.count(c, "emit", "subscribe_failed") == 2);
  CHECK(h.index.subscription_count() == 0);
}

TEST_CASE("subscribe: malformed payloads are invalid, type and customer echoed",
          "[app][subscribe]") {
  app_harness h;
  auto& c = h.as(who("e1", "customer-north-1", access_level::admin));
  h.subscribe(c, R"({"type":"FOO","customer":"c7"})", 1);
  CHECK(
      h.told.last_emit(c, "subscribe_failed") ==
      R"({"type":"FOO","customer":"c7","code":"invalid","message":"unknown subscription type 'FOO'"})");
  CHECK(h.told.last_ack(c) ==
        R"({"success":false,"code":"invalid","message":"unknown subscription type 'FOO'"})");
  h.subscribe(c, R"({"type":"PBX"})");
  CHECK(
      h.told.last_emit(c, "subscribe_failed") ==
      R"({"type":"PBX","customer":null,"code":"invalid","message":"customer is required for PBX"})");
  h.subscribe(c, R"({"type":"CALL","customer":"c1","events":"CALL_START"})");
  CHECK(
      h.told.last_emit(c, "subscribe_failed") ==
      R"({"type":"CALL","customer":"c1","code":"invalid","message":"events must be an array of strings"})");
  h.subscribe(c, "");
  CHECK(
      h.told.last_emit(c, "subscribe_failed") ==
      R"({"type":null,"customer":null,"code":"invalid","message":"subscription is not valid JSON"})");
  CHECK(h.told.count(c, "emit", "subscribed") == 0);
  CHECK(h.index.subscription_count() == 0);
}

TEST_CASE("subscribe: access_denied by level and by customer", "[app][subscribe]") {
  app_harness h;
  const auto denied = [&h](telecomx::client& c, std::string_view payload) {
    h.subscribe(c, payload);
    const auto answer = h.told.last_emit(c, "subscribe_failed");
    h.told.log.clear();
    return answer;
  };
  auto& viewer = h.as(who("v", "customer-north-1", access_level::viewer));
  auto& personal = h.as(who("p", "customer-north-1", access_level::personal));
  auto& reseller_admin = h.as(who("ra", "reseller-south", access_level::reseller_admin));
  auto& reseller = h.as(who("r", "reseller-north", access_level::reseller));
  h.told.log.clear();

  CHECK(
      denied(viewer, R"({"type":"ADMIN"})") ==
      R"({"type":"ADMIN","customer":null,"code":"access_denied","message":"no access to this subscription"})");
  CHECK(
      denied(reseller_admin, R"({"type":"ADMIN:CALL"})") ==
      R"({"type":"ADMIN:CALL","customer":null,"code":"access_denied","message":"no access to this subscription"})");
  CHECK(
      denied(personal, R"({"type":"CALL","customer":"customer-north-1"})") ==
      R"({"type":"CALL","customer":"customer-north-1","code":"access_denied","message":"no access to this subscription"})");
  CHECK(
      denied(viewer, R"({"type":"PBX","customer":"customer-south"})") ==
      R"({"type":"PBX","customer":"customer-south","code":"access_denied","message":"no access to this subscription"})");
  // A reseller: the directory decides (customer-south is below reseller-south, not north).
  CHECK(
      denied(reseller, R"({"type":"PBX","customer":"customer-south"})") ==
      R"({"type":"PBX","customer":"customer-south","code":"access_denied","message":"no access to this subscription"})");
  CHECK(denied(reseller, R"({"type":"PBX","customer":"customer-north-1"})").empty());
  CHECK(h.index.subscriptions_of(reseller).size() == 1);
  CHECK(denied(viewer, R"({"type":"CALL","customer":"customer-north-1"})").empty());
  CHECK(h.index.subscription_count() == 2);
}

TEST_CASE("subscribe: subscribed echoes the normalised subscription, stored as parsed",
          "[app][subscribe]") {
  app_harness h;
  auto& c = h.as(who("e1", "customer-north-1", access_level::owner));
  const std::string payload =
      R"({"type":"PBX","customer":"customer-north-1","events":["B","A","B"]})";
  h.subscribe(c, payload, 5);
  const std::string echo = R"({"type":"PBX","customer":"customer-north-1","events":["A","B"]})";
  CHECK(h.told.last_emit(c, "subscribed") == echo);
  CHECK(h.told.last_ack(c) ==
        R"({"success":true,"type":"PBX","customer":"customer-north-1","events":["A","B"]})");
  // One parse, one normalisation: what the codec returned is already the form the room index
  // stores (normalise() changes nothing), so the index's own normalisation is a no-op.
  const auto parsed = telecomx::parse_subscription_args(payload);
  REQUIRE(parsed.value);
  auto again = *parsed.value;
  telecomx::normalise(again);
  CHECK(again == *parsed.value);
  REQUIRE(h.index.subscriptions_of(c).size() == 1);
  CHECK(h.index.subscriptions_of(c)[0] == *parsed.value);

  SECTION("an identical subscribe again is a no-op answered subscribed") {
    h.subscribe(c, R"({"customer":"customer-north-1","events":["A","B","A"],"type":"PBX"})");
    CHECK(h.told.count(c, "emit", "subscribed") == 2);
    CHECK(h.told.last_emit(c, "subscribed") == echo);
    CHECK(h.index.subscription_count() == 1);
  }
}

TEST_CASE(
    "unsubscribe: {type, customer} removes every one of that type; with events only "
    "the identical one",
    "[app][subscribe]") {
  app_harness h;
  auto& c = h.as(who("e1", "customer-north-1", access_level::owner));
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1","events":["A"]})");
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1","events":["B"]})");
  h.subscribe(c, R"({"type":"CONFIG","customer":"customer-north-1"})");
  REQUIRE(h.index.subscription_count() == 4);

  h.unsubscribe(c, R"({"type":"PBX","customer":"customer-north-1","events":["B"]})", 2);
  CHECK(h.told.last_emit(c, "unsubscribed") ==
        R"({"type":"PBX","customer":"customer-north-1","events":["B"]})");
  CHECK(
      h.told.last_ack(c) ==
      R"({"success":true,"type":"PBX","customer":"customer-north-1","events":["B"],"removed":1})");
  CHECK(h.index.subscription_count() == 3);

  h.unsubscribe(c, R"({"type":"PBX","customer":"customer-north-1"})", 3);
  CHECK(h.told.last_ack(c) ==
        R"({"success":true,"type":"PBX","customer":"customer-north-1","removed":2})");
  REQUIRE(h.index.subscriptions_of(c).size() == 1);
  CHECK(h.index.subscriptions_of(c)[0].type == telecomx::subscription_type::config);
}

TEST_CASE("re-authenticating drops every subscription", "[app][subscribe]") {
  app_harness h;
  h.validator->add("a", who("ea", "customer-north-1", access_level::owner));
  h.validator->add("b", who("eb", "customer-north-1", access_level::owner));
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"a"})");
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  REQUIRE(h.index.subscriptions_of(c).size() == 1);
  h.authenticate(c, R"({"token":"b"})");
  REQUIRE(c.who);
  CHECK(c.who->employee == "eb");
  CHECK(h.index.subscriptions_of(c).empty());
  CHECK(h.index.subscription_count() == 0);
  CHECK(h.employees.clients_of("ea").empty());
}

TEST_CASE("a directory answer for an earlier identity is dropped", "[app][subscribe]") {
  app_harness h;
  h.validator->add("r", who("r", "reseller-north", access_level::reseller));
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"r"})");
  h.told.log.clear();
  // The directory answers later (posted); the client leaves before it does.
  h.subs->subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})", std::nullopt);
  h.leave(c);
  h.settle();
  CHECK(h.told.log.empty());
  CHECK(h.index.subscription_count() == 0);
}

// ---------------------------------------------------------------------------------------------
// Per-socket bounds (SPEC §5)

namespace {

telecomx::subscriptions_deps bounds(std::size_t max, std::uint32_t per_second) {
  telecomx::subscriptions_deps d;
  d.max_per_socket = max;
  d.rate_per_socket = {per_second, std::chrono::seconds(1)};
  return d;
}

std::string pbx_with_event(int i) {
  return R"({"type":"PBX","customer":"customer-north-1","events":["E)" + std::to_string(i) +
         R"("]})";
}

}  // namespace

TEST_CASE(
    "subscribe: past max-subscriptions-per-socket limit_reached; an identical one again "
    "is answered subscribed and not counted",
    "[app][subscribe][limits]") {
  app_harness h({}, bounds(3, 0));
  auto& c = h.as(who("o", "customer-north-1", access_level::owner));
  for (int i = 0; i < 3; ++i) h.subscribe(c, pbx_with_event(i));
  REQUIRE(h.index.subscriptions_of(c).size() == 3);

  h.subscribe(c, pbx_with_event(3), 9);
  CHECK(h.told.last_emit(c, "subscribe_failed") ==
        R"({"type":"PBX","customer":"customer-north-1","code":"limit_reached",)"
        R"("message":"max-subscriptions-per-socket reached: unsubscribe first"})");
  CHECK(h.told.last_ack(c) ==
        R"({"success":false,"code":"limit_reached",)"
        R"("message":"max-subscriptions-per-socket reached: unsubscribe first"})");
  CHECK(h.index.subscriptions_of(c).size() == 3);

  // At the bound, an identical subscription is still a success (a no-op).
  const auto subscribed_before = h.told.count(c, "emit", "subscribed");
  h.subscribe(c, pbx_with_event(1), 10);
  CHECK(h.told.count(c, "emit", "subscribed") == subscribed_before + 1);
  CHECK(h.told.last_ack(c) ==
        R"({"success":true,"type":"PBX","customer":"customer-north-1","events":["E1"]})");
  CHECK(h.index.subscription_count() == 3);

  // Unsubscribing makes room again.
  h.unsubscribe(c, pbx_with_event(0));
  h.subscribe(c, pbx_with_event(3));
  CHECK(h.told.last_emit(c, "subscribed") ==
        R"({"type":"PBX","customer":"customer-north-1","events":["E3"]})");
  CHECK(h.index.subscription_count() == 3);
}

TEST_CASE("subscribe/unsubscribe past subscribe-rate-per-socket: rate_limited, still connected",
          "[app][subscribe][limits]") {
  app_harness h({}, bounds(100, 5));
  auto& c = h.as(who("o", "customer-north-1", access_level::owner));
  for (int i = 0; i < 4; ++i) h.subscribe(c, pbx_with_event(i));
  h.unsubscribe(c, pbx_with_event(0));  // the fifth message of the burst of 5
  CHECK(h.told.count(c, "emit", "subscribe_failed") == 0);
  h.subscribe(c, pbx_with_event(7), 3);
  CHECK(h.told.last_emit(c, "subscribe_failed") ==
        R"({"type":"PBX","customer":"customer-north-1","code":"rate_limited",)"
        R"("message":"too many subscribe/unsubscribe messages on this connection"})");
  CHECK(h.told.last_ack(c).starts_with(R"({"success":false,"code":"rate_limited")"));
  h.unsubscribe(c, pbx_with_event(1));
  CHECK(h.told.count(c, "emit", "subscribe_failed") == 2);
  CHECK(h.index.subscriptions_of(c).size() == 3);
  CHECK_FALSE(h.told.disconnected(c));
}

TEST_CASE("subscribe: an events entry over 64 bytes is invalid", "[app][subscribe][limits]") {
  app_harness h;
  auto& c = h.as(who("o", "customer-north-1", access_level::owner));
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1","events":[")" +
                     std::string(65, 'x') + R"("]})");
  CHECK(h.told.last_emit(c, "subscribe_failed") ==
        R"({"type":"PBX","customer":"customer-north-1","code":"invalid",)"
        R"("message":"events entries must be at most 64 bytes"})");
  CHECK(h.index.subscription_count() == 0);
}
