// Credentials on live sockets (SPEC §12): the deadline heap alone, expiry firing on a real
// io_context run for a bounded time, a refresh replacing the deadline, and the outcomes of
// re-validation with the fake validator.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/io_context.hpp>

#include "app/app_metrics.hpp"
#include "app/client.hpp"
#include "app/credentials.hpp"
#include "app/deadline_heap.hpp"
#include "tests/doubles/app_harness.hpp"

using namespace txrt;
using namespace std::chrono_literals;
using telecomx::access_level;
using test::app_harness;
using test::who;

namespace {

telecomx::identity expiring(telecomx::identity id, std::chrono::milliseconds in) {
  id.expires = std::chrono::system_clock::now() + in;
  return id;
}

std::uint64_t revalidations(metrics::revalidation_result r) {
  return metrics::revalidations.at(static_cast<std::size_t>(r)).value();
}

// Runs the harness's loop for `d` of real time (timers included).
void run_for(app_harness& h, std::chrono::milliseconds d) {
  h.io.restart();
  h.io.run_for(d);
}

}  // namespace

TEST_CASE("the deadline heap yields due entries earliest first, stale ones included",
          "[app][credentials]") {
  telecomx::deadline_heap<int, int> heap;
  CHECK(!heap.next());
  heap.push(30, 3, 1);
  heap.push(10, 1, 1);
  heap.push(20, 2, 7);
  heap.push(10, 4, 2);
  CHECK(heap.next() == 10);
  CHECK(heap.pop_due(9).empty());
  auto due = heap.pop_due(20);
  REQUIRE(due.size() == 3);
  CHECK(due[0].when == 10);
  CHECK(due[1].when == 10);
  CHECK(due[2].key == 2);
  CHECK(due[2].generation == 7);
  CHECK(heap.size() == 1);
  CHECK(heap.next() == 30);
  CHECK(heap.pop_due(30).size() == 1);
  CHECK(heap.empty());
}

TEST_CASE("an identity's expiry disconnects the live socket at that moment, with expired",
          "[app][credentials]") {
  app_harness h;
  h.validator->add("t", expiring(who("e", "customer-north-1", access_level::owner), 300ms));
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"t"})");
  REQUIRE(c.who);
  const auto before = metrics::credential_expirations.get().value();

  run_for(h, 150ms);
  CHECK(!h.told.disconnected(c));
  run_for(h, 400ms);
  CHECK(h.told.disconnected(c));
  CHECK(h.told.last_emit(c, "unauthorized").find(R"("code":"expired")") != std::string::npos);
  CHECK(metrics::credential_expirations.get().value() == before + 1);
}

TEST_CASE("an identity already expired is refused at authenticate, never accepted",
          "[app][credentials]") {
  app_harness h;
  h.validator->add("t", expiring(who("e", "customer-north-1", access_level::owner), -1s));
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"t"})");
  CHECK(!c.who);
  CHECK(h.told.count(c, "emit", "authenticated") == 0);
  CHECK(h.told.last_emit(c, "unauthorized").find(R"("code":"expired")") != std::string::npos);
  CHECK(h.told.disconnected(c));
}

TEST_CASE("many sockets share one timer: each expires at its own deadline", "[app][credentials]") {
  app_harness h;
  h.validator->add("late", expiring(who("a", "customer-north-1", access_level::owner), 400ms));
  h.validator->add("soon", expiring(who("b", "customer-north-1", access_level::owner), 100ms));
  h.validator->add("never", who("n", "customer-north-1", access_level::owner));
  auto& late = h.connect();
  h.authenticate(late, R"({"token":"late"})");
  auto& soon = h.connect();
  h.authenticate(soon, R"({"token":"soon"})");
  auto& never = h.connect();
  h.authenticate(never, R"({"token":"never"})");
  CHECK(h.auth->live().deadlines(0) == 2);

  run_for(h, 250ms);
  CHECK(h.told.disconnected(soon));
  CHECK(!h.told.disconnected(late));
  run_for(h, 400ms);
  CHECK(h.told.disconnected(late));
  CHECK(!h.told.disconnected(never));
}

TEST_CASE("a refresh before expiry replaces the deadline and keeps the subscriptions",
          "[app][credentials]") {
  app_harness h;
  const auto id = who("e", "customer-north-1", access_level::owner);
  h.validator->add("old", expiring(id, 200ms));
  h.validator->add("new", expiring(id, 10s));
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"old"})");
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  const auto refreshes = metrics::credential_refreshes.get().value();
  h.authenticate(c, R"({"token":"new"})");
  CHECK(metrics::credential_refreshes.get().value() == refreshes + 1);

  run_for(h, 400ms);
  CHECK(!h.told.disconnected(c));
  CHECK(h.told.count(c, "emit", "unauthorized") == 0);
  CHECK(h.index.subscriptions_of(c).size() == 1);
}

TEST_CASE("re-validation: a token now rejected is revoked", "[app][credentials]") {
  app_harness h;
  auto& c = h.as(who("e", "customer-north-1", access_level::owner));
  h.validator->add_error("token-e", auth::auth_error::invalid_token, "unknown token");
  const auto revoked = revalidations(metrics::revalidation_result::revoked);
  h.auth->revalidate_now(0);
  h.settle();
  CHECK(h.told.disconnected(c));
  CHECK(h.told.last_emit(c, "unauthorized").find(R"("code":"revoked")") != std::string::npos);
  CHECK(revalidations(metrics::revalidation_result::revoked) == revoked + 1);
  // The token went to the validator again, from the address the socket authenticated from.
  CHECK(h.validator->requests.back().token == "token-e");
  CHECK(h.validator->requests.back().ip == c.remote_address);
}

TEST_CASE("re-validation: an unavailable validator changes nothing (fail open)",
          "[app][credentials]") {
  app_harness h;
  auto& c = h.as(who("e", "customer-north-1", access_level::owner));
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  h.validator->add_error("token-e", auth::auth_error::unavailable, "down");
  const auto unavailable = revalidations(metrics::revalidation_result::unavailable);
  h.auth->revalidate_now(0);
  h.settle();
  CHECK(!h.told.disconnected(c));
  CHECK(h.index.subscriptions_of(c).size() == 1);
  CHECK(revalidations(metrics::revalidation_result::unavailable) == unavailable + 1);
}

TEST_CASE("re-validation: a lower access level removes what it may no longer hold",
          "[app][credentials]") {
  app_harness h;
  auto& c = h.as(who("e", "customer-north-1", access_level::viewer));
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  h.subscribe(c, R"({"type":"CALL","customer":"customer-north-1"})");
  REQUIRE(h.index.subscriptions_of(c).size() == 2);
  h.told.log.clear();
  h.validator->add("token-e", who("e", "customer-north-1", access_level::personal));
  const auto changed = revalidations(metrics::revalidation_result::changed);
  h.auth->revalidate_now(0);
  h.settle();
  CHECK(!h.told.disconnected(c));
  CHECK(c.who->level == access_level::personal);
  CHECK(h.told.count(c, "emit", "unsubscribed") == 1);
  CHECK(h.told.last_emit(c, "unsubscribed").find("access_changed") != std::string::npos);
  CHECK(h.told.count(c, "emit", "authenticated") == 0);
  CHECK(revalidations(metrics::revalidation_result::changed) == changed + 1);
}

TEST_CASE("re-validation runs by itself every interval, spread over it", "[app][credentials]") {
  telecomx::authenticator_deps deps;
  deps.revalidate_interval = 200ms;
  app_harness h(deps);
  auto& c = h.as(who("e", "customer-north-1", access_level::owner));
  const auto ok = revalidations(metrics::revalidation_result::ok);
  run_for(h, 300ms);
  CHECK(revalidations(metrics::revalidation_result::ok) >= ok + 1);
  h.validator->add_error("token-e", auth::auth_error::invalid_token, "unknown token");
  run_for(h, 300ms);
  CHECK(h.told.disconnected(c));
}

TEST_CASE("a customer moved under another reseller: its subscriptions are re-checked",
          "[app][credentials]") {
  app_harness h;
  auto& c = h.as(who("r", "reseller-north", access_level::reseller));
  h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  h.subscribe(c, R"({"type":"PBX","customer":"reseller-north"})");
  REQUIRE(h.index.subscriptions_of(c).size() == 2);
  h.told.log.clear();

  // Unchanged tree: nothing removed.
  h.auth->recheck_customer(0, "customer-north-1");
  h.settle();
  CHECK(h.told.count(c, "emit", "unsubscribed") == 0);

  auto moved = auth::file_store::parse(R"({"customers": {
    "telecomx": {"parent": null}, "reseller-north": {"parent": "telecomx"},
    "reseller-south": {"parent": "telecomx"}, "customer-north-1": {"parent": "reseller-south"}},
    "tokens": {}})");
  REQUIRE(moved);
  h.directory->replace(moved.store);
  const auto removed = metrics::subscriptions_removed
                           .at(static_cast<std::size_t>(metrics::removal_reason::access_changed))
                           .value();
  h.auth->recheck_customer(0, "customer-north-1");
  h.settle();
  CHECK(h.told.count(c, "emit", "unsubscribed") == 1);
  CHECK(h.told.last_emit(c, "unsubscribed") ==
        R"({"type":"PBX","customer":"customer-north-1","reason":"access_changed"})");
  CHECK(h.index.subscriptions_of(c).size() == 1);
  CHECK(metrics::subscriptions_removed
            .at(static_cast<std::size_t>(metrics::removal_reason::access_changed))
            .value() == removed + 1);
}

TEST_CASE("credentials are sized for the loops at construction: a client of another loop is a "
          "programming error, not a resize under the other loops' reads",
          "[app][credentials]") {
  boost::asio::io_context io;
  telecomx::credentials creds(2, nullptr, 0ms, telecomx::credential_actions{});
  auto inside = std::make_shared<telecomx::client>(io.get_executor(), 1, "s1", "websocket",
                                                   "127.0.0.1");
  auto outside = std::make_shared<telecomx::client>(io.get_executor(), 2, "s2", "websocket",
                                                    "127.0.0.1");
  CHECK_NOTHROW(creds.track(*inside));
  CHECK_THROWS_AS(creds.track(*outside), std::logic_error);
}
