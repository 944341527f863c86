// Authenticating again as the same employee (SPEC §3): the subscriptions the new identity may
// still hold stay in the room index throughout; the others are removed with
// `unsubscribed {…, reason}`; the gauges and the employee index stay right.
#include <catch2/catch.hpp>

#include <string>

#include "app/app_metrics.hpp"
#include "protocol/telecomx/subscription.hpp"
#include "tests/doubles/app_harness.hpp"

using namespace txrt;
using telecomx::access_level;
using test::app_harness;
using test::who;

namespace {

std::int64_t gauge(telecomx::subscription_type t) {
  return metrics::subscriptions.at(static_cast<std::size_t>(t)).value();
}
std::int64_t sockets(access_level l) {
  return metrics::authenticated_sockets.at(static_cast<std::size_t>(l)).value();
}

}  // namespace

TEST_CASE("re-authenticating as the same employee with the same access keeps everything",
          "[app][reauth]") {
  app_harness h;
  h.validator->add("old", who("e", "customer-north-1", access_level::owner));
  h.validator->add("new", who("e", "customer-north-1", access_level::owner));
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"old"})");
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  h.subscribe(c, R"({"type":"CALL","customer":"customer-north-1","events":["A"]})");
  const auto pbx = gauge(telecomx::subscription_type::pbx);
  const auto owners = sockets(access_level::owner);
  h.told.log.clear();

  h.authenticate(c, R"({"token":"new"})", 2);
  CHECK(h.told.count(c, "emit", "unsubscribed") == 0);
  CHECK(h.told.last_emit(c, "authenticated") ==
        R"({"employee":"e","customer":"customer-north-1","accessLevel":"OWNER"})");
  CHECK(h.index.subscriptions_of(c).size() == 2);
  CHECK(gauge(telecomx::subscription_type::pbx) == pbx);
  CHECK(sockets(access_level::owner) == owners);
  CHECK(h.employees.clients_of("e").size() == 1);
}

TEST_CASE("re-authenticating as the same employee with less access removes what it may not hold",
          "[app][reauth]") {
  app_harness h;
  h.validator->add("owner", who("e", "customer-north-1", access_level::owner));
  h.validator->add("personal", who("e", "customer-north-1", access_level::personal));
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"owner"})");
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  h.subscribe(c, R"({"type":"CALL","customer":"customer-north-1","events":["A","B"]})");
  h.subscribe(c, R"({"type":"REGISTER","customer":"customer-north-1"})");
  const auto call = gauge(telecomx::subscription_type::call);
  const auto personal = sockets(access_level::personal);
  h.told.log.clear();

  h.authenticate(c, R"({"token":"personal"})");
  // CALL and REGISTER need VIEWER: removed, each told why, before `authenticated`.
  std::vector<std::string> told;
  for (const auto& t : h.told.log) told.push_back(t.name + " " + t.args);
  CHECK(told ==
        std::vector<std::string>{R"(unsubscribed {"type":"CALL","customer":"customer-north-1",)"
                                 R"("events":["A","B"],"reason":"access_changed"})",
                                 R"(unsubscribed {"type":"REGISTER","customer":"customer-north-1",)"
                                 R"("reason":"access_changed"})",
                                 R"(authenticated {"employee":"e","customer":"customer-north-1",)"
                                 R"("accessLevel":"PERSONAL"})"});
  REQUIRE(h.index.subscriptions_of(c).size() == 1);
  CHECK(h.index.subscriptions_of(c)[0].type == telecomx::subscription_type::pbx);
  CHECK(h.index.subscription_count() == 1);
  CHECK(gauge(telecomx::subscription_type::call) == call - 1);
  CHECK(sockets(access_level::personal) == personal + 1);
  CHECK(h.employees.clients_of("e").size() == 1);
}

TEST_CASE(
    "re-authenticating a reseller asks the directory, and keeps the socket in its rooms "
    "meanwhile",
    "[app][reauth]") {
  app_harness h;
  auto reseller = who("r", "reseller-north", access_level::reseller);
  h.validator->add("old", reseller);
  reseller.organization_resellers = {"reseller-south"};  // changed: the directory is asked
  h.validator->add("new", reseller);
  auto moved = who("r", "reseller-south", access_level::reseller);
  h.validator->add("moved", moved);
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"old"})");
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  h.subscribe(c, R"({"type":"PBX","customer":"reseller-north"})");
  REQUIRE(h.index.subscriptions_of(c).size() == 2);
  h.told.log.clear();

  // The validator answers, the directory has not yet: nothing changed so far.
  h.auth->authenticate(c, R"({"token":"new"})", std::nullopt);
  h.io.restart();
  h.io.run_one();  // the validator's answer only
  CHECK(h.index.subscriptions_of(c).size() == 2);
  CHECK(c.who->organization_resellers.empty());
  h.settle();
  CHECK(h.told.count(c, "emit", "unsubscribed") == 0);
  CHECK(c.who->organization_resellers == std::vector<std::string>{"reseller-south"});
  CHECK(h.index.subscriptions_of(c).size() == 2);

  // Moved under reseller-south: nothing of reseller-north remains.
  h.authenticate(c, R"({"token":"moved"})");
  CHECK(h.told.count(c, "emit", "unsubscribed") == 2);
  CHECK(h.told.last_emit(c, "unsubscribed") ==
        R"({"type":"PBX","customer":"reseller-north","reason":"access_changed"})");
  CHECK(h.index.subscription_count() == 0);
}

TEST_CASE("a re-authentication overtaken by the disconnect changes nothing", "[app][reauth]") {
  app_harness h;
  auto reseller = who("r", "reseller-north", access_level::reseller);
  h.validator->add("old", reseller);
  reseller.organization_resellers = {"reseller-south"};
  h.validator->add("new", reseller);
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"old"})");
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  h.told.log.clear();
  h.auth->authenticate(c, R"({"token":"new"})", std::nullopt);
  h.io.restart();
  h.io.run_one();  // the validator's answer; the review waits for the directory
  h.leave(c);
  h.settle();
  CHECK(h.told.log.empty());
  CHECK(h.index.subscription_count() == 0);
}
