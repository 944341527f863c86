// authenticate without a network (SPEC §3): the authenticator over a fake validator, the
// recording client_io in place of the socket. Also the authenticate payload codec.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "protocol/telecomx/authenticate_payload.hpp"
#include "tests/doubles/app_harness.hpp"

using namespace txrt;
using telecomx::access_level;
using test::app_harness;
using test::who;

TEST_CASE("parse_authenticate reads the first argument once", "[app][authenticate]") {
  auto p = telecomx::parse_authenticate(
      R"({"token":"t1","client":"seed","instanceId":"i-1","ip":"10.0.0.9","x":1},"second")");
  REQUIRE(p);
  CHECK(p->token == "t1");
  CHECK(p->client_name == "seed");
  CHECK(p->instance_id == "i-1");
  CHECK(p->ip == "10.0.0.9");
  // Informational fields that are not strings are ignored; long ones are cut.
  auto q = telecomx::parse_authenticate(R"({"token":"t","client":5,"ip":")" +
                                        std::string(300, 'a') + R"("})");
  REQUIRE(q);
  CHECK(q->client_name.empty());
  CHECK(q->ip.size() == telecomx::max_info_bytes);
  for (const char* bad : {"", R"({})", R"({"token":""})", R"({"token":5})", R"("t")", "[1]",
                          R"({"token":null})", "{", "1,{\"token\":\"t\"}"}) {
    INFO(bad);
    CHECK_FALSE(telecomx::parse_authenticate(bad));
  }
}

TEST_CASE("authenticate: success emits authenticated and acks {success:true}",
          "[app][authenticate]") {
  app_harness h;
  h.validator->add("tok", who("e1", "customer-north-1", access_level::manager));
  auto& c = h.connect("203.0.113.5");
  h.authenticate(c, R"({"token":"tok","client":"seed"},"extra")", 7);
  REQUIRE(c.who);
  CHECK(c.who->employee == "e1");
  CHECK(c.reported.client_name() == "seed");
  CHECK(h.told.last_emit(c, "authenticated") ==
        R"({"employee":"e1","customer":"customer-north-1","accessLevel":"MANAGER"})");
  CHECK(
      h.told.last_ack(c) ==
      R"({"success":true,"employee":"e1","customer":"customer-north-1","accessLevel":"MANAGER"})");
  CHECK_FALSE(h.told.disconnected(c));
  // The validator sees the token and the address the server sees, not the client's claim.
  REQUIRE(h.validator->requests.size() == 1);
  CHECK(h.validator->requests[0].token == "tok");
  CHECK(h.validator->requests[0].ip == "203.0.113.5");
  CHECK(h.employees.clients_of("e1").size() == 1);
  h.leave(c);
  CHECK(h.employees.clients_of("e1").empty());
}

TEST_CASE("authenticate: refusals say unauthorized {code, message} and disconnect",
          "[app][authenticate]") {
  app_harness h;
  h.validator->add_error("old", auth::auth_error::expired, "token expired");
  h.validator->add("nologin", who("e0", "customer-north-1", access_level::no_login));

  SECTION("unknown token") {
    auto& c = h.connect();
    h.authenticate(c, R"({"token":"nope"})", 3);
    CHECK(h.told.last_emit(c, "unauthorized") ==
          R"({"code":"invalid_token","message":"unknown token"})");
    CHECK(h.told.last_ack(c) ==
          R"({"success":false,"code":"invalid_token","message":"unknown token"})");
    CHECK(h.told.disconnected(c));
    CHECK_FALSE(c.who);
  }
  SECTION("the validator's own code") {
    auto& c = h.connect();
    h.authenticate(c, R"({"token":"old"})");
    CHECK(h.told.last_emit(c, "unauthorized") == R"({"code":"expired","message":"token expired"})");
    CHECK(h.told.count(c, "ack") == 0);
    CHECK(h.told.disconnected(c));
  }
  SECTION("NO_LOGIN may not log in") {
    auto& c = h.connect();
    h.authenticate(c, R"({"token":"nologin"})");
    CHECK(h.told.last_emit(c, "unauthorized") ==
          R"({"code":"credentials_invalid","message":"this employee may not log in"})");
    CHECK(h.told.disconnected(c));
    CHECK_FALSE(c.who);
    CHECK(h.employees.employee_count() == 0);
  }
  SECTION("malformed payloads, unvalidated") {
    for (const char* bad : {"", R"({"token":""})", R"({"token":42})", R"("tok")"}) {
      INFO(bad);
      auto& c = h.connect();
      h.authenticate(c, bad, 1);
      CHECK(h.told.last_emit(c, "unauthorized") ==
            R"({"code":"credentials_invalid","message":"authenticate needs {token: string}"})");
      CHECK(
          h.told.last_ack(c) ==
          R"({"success":false,"code":"credentials_invalid","message":"authenticate needs {token: string}"})");
      CHECK(h.told.disconnected(c));
    }
    CHECK(h.validator->requests.empty());
  }
}

TEST_CASE("authenticate: an answer overtaken by a newer authenticate is dropped",
          "[app][authenticate]") {
  app_harness h;
  h.validator->add("a", who("ea", "customer-north-1", access_level::owner));
  h.validator->add("b", who("eb", "customer-north-1", access_level::viewer));
  h.validator->deferred = true;
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"a"})");
  h.authenticate(c, R"({"token":"b"})");
  REQUIRE(h.validator->waiting() == 2);

  SECTION("the older answer arrives first") {
    h.validator->release(0);  // a
    h.settle();
    CHECK_FALSE(c.who);
    CHECK(h.told.log.empty());
    h.validator->release(0);  // b
    h.settle();
  }
  SECTION("the older answer arrives last") {
    h.validator->release(1);  // b
    h.settle();
    h.validator->release(0);  // a, late
    h.settle();
  }
  REQUIRE(c.who);
  CHECK(c.who->employee == "eb");
  CHECK(h.told.count(c, "emit", "authenticated") == 1);
  CHECK(h.employees.clients_of("ea").empty());
}

TEST_CASE("authenticate: an answer after the disconnect is dropped", "[app][authenticate]") {
  app_harness h;
  h.validator->add("a", who("ea", "customer-north-1", access_level::owner));
  h.validator->deferred = true;
  auto& c = h.connect();
  h.authenticate(c, R"({"token":"a"})");
  h.leave(c);
  h.validator->release(0);
  h.settle();
  CHECK_FALSE(c.who);
  CHECK(h.told.log.empty());
  CHECK(h.employees.employee_count() == 0);
}

TEST_CASE("authenticate: past the per-socket or per-address budget, rate_limited",
          "[app][authenticate]") {
  telecomx::authenticator_deps deps;
  deps.auth_per_socket = {2, std::chrono::minutes(1)};
  SECTION("per socket") {
    app_harness h(deps);
    auto& c = h.connect();
    h.authenticate(c, R"({"token":"x"})");
    h.authenticate(c, R"({"token":"x"})");
    CHECK(h.told.count(c, "emit", "unauthorized") == 2);  // invalid_token, twice
    h.authenticate(c, R"({"token":"x"})", 9);
    CHECK(
        h.told.last_emit(c, "unauthorized") ==
        R"({"code":"rate_limited","message":"too many authenticate attempts on this connection"})");
    CHECK(
        h.told.last_ack(c) ==
        R"({"success":false,"code":"rate_limited","message":"too many authenticate attempts on this connection"})");
    CHECK(h.validator->requests.size() == 2);  // the third was never validated
  }
  SECTION("per address, across sockets") {
    deps.auth_per_socket = {10, std::chrono::minutes(1)};
    deps.auth_per_address = std::make_shared<limits::address_rate_limiter>(
        limits::rate_limit{1, std::chrono::minutes(1)}, 16);
    app_harness h(deps);
    h.validator->add("ok", who("e1", "customer-north-1", access_level::owner));
    auto& first = h.connect("192.0.2.1");
    h.authenticate(first, R"({"token":"ok"})");
    CHECK(first.who);
    auto& second = h.connect("192.0.2.1");
    h.authenticate(second, R"({"token":"ok"})");
    CHECK_FALSE(second.who);
    CHECK(
        h.told.last_emit(second, "unauthorized") ==
        R"({"code":"rate_limited","message":"too many authenticate attempts from this address"})");
    auto& elsewhere = h.connect("192.0.2.2");
    h.authenticate(elsewhere, R"({"token":"ok"})");
    CHECK(elsewhere.who);
  }
}

TEST_CASE("authenticate: a socket not authenticated within the deadline is disconnected",
          "[app][authenticate]") {
  telecomx::authenticator_deps deps;
  deps.auth_timeout = std::chrono::milliseconds(5);
  app_harness h(deps);
  h.validator->add("ok", who("e1", "customer-north-1", access_level::owner));
  auto& slow = h.connect();
  auto& quick = h.connect();
  h.authenticate(quick, R"({"token":"ok"})");
  h.io.restart();
  h.io.run_for(std::chrono::milliseconds(100));
  CHECK(h.told.last_emit(slow, "unauthorized") ==
        R"({"code":"timeout","message":"not authenticated within authTimeout"})");
  CHECK(h.told.disconnected(slow));
  CHECK(h.told.count(quick, "emit", "unauthorized") == 0);
  CHECK_FALSE(h.told.disconnected(quick));
}
