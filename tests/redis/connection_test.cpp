// bridge::redis_connection against a real redis-server: round trips, deadlines, outages.
#include "bridge/redis_connection.hpp"

#include <catch2/catch.hpp>

#include <optional>

#include "tests/redis/redis_process.hpp"

using namespace std::chrono_literals;
using txrt::bridge::parse_redis_url;
using txrt::bridge::redis_connection;
using txrt::bridge::redis_options;
using txrt::bridge::redis_reply;
using txrt::test::redis_process;
using txrt::test::run_until;
using kind = redis_reply::kind;

namespace {

redis_options options_for(const redis_process& server, std::chrono::milliseconds deadline = 2s) {
  redis_options o;
  o.endpoint = *parse_redis_url(server.url());
  o.name = "test";
  o.command_deadline = deadline;
  return o;
}

}  // namespace

TEST_CASE("redis URLs are parsed", "[redis]") {
  auto ep = parse_redis_url("redis://10.1.2.3:6380/2");
  REQUIRE(ep);
  CHECK(ep->host == "10.1.2.3");
  CHECK(ep->port == 6380);
  CHECK(ep->db == 2);
  CHECK(ep->password.empty());
  ep = parse_redis_url("redis://:s3cret@redis.local");
  REQUIRE(ep);
  CHECK(ep->host == "redis.local");
  CHECK(ep->port == 6379);
  CHECK(ep->password == "s3cret");
  CHECK(ep->user.empty());
  ep = parse_redis_url("redis://app:pw@h:1/");
  REQUIRE(ep);
  CHECK(ep->user == "app");
  CHECK(ep->password == "pw");
  CHECK(ep->db == 0);
  ep = parse_redis_url("127.0.0.1:7000");
  REQUIRE(ep);
  CHECK(ep->port == 7000);
  std::string error;
  CHECK_FALSE(parse_redis_url("http://h:1", &error));
  CHECK_FALSE(error.empty());
  CHECK_FALSE(parse_redis_url("redis://h:1/x"));
  CHECK_FALSE(parse_redis_url("redis://h:99999"));
  CHECK_FALSE(parse_redis_url("redis://h:1/0?x=1"));
}

TEST_CASE("commands round-trip", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  auto conn = redis_connection::create(io, options_for(server));
  std::vector<bool> states;
  conn->on_state([&](bool up) { states.push_back(up); });
  conn->start();
  std::optional<redis_reply> set, get, missing, incr, array, error;
  io.poll();  // runs start(): the connect is (most likely) in progress
  // Issued while connecting: held, sent once connected.
  conn->command({"SET", "k", std::string("v\0al", 4)}, [&](redis_reply r) { set = r; });
  REQUIRE(run_until(io, [&] { return conn->connected() && set.has_value(); }));
  CHECK(set->type == kind::status);
  CHECK(set->str == "OK");
  conn->command({"GET", "k"}, [&](redis_reply r) { get = r; });
  conn->command({"GET", "nope"}, [&](redis_reply r) { missing = r; });
  conn->command({"INCRBY", "n", "41"}, [&](redis_reply r) { incr = r; });
  conn->command({"MGET", "k", "nope"}, [&](redis_reply r) { array = r; });
  conn->command({"NOSUCHCOMMAND"}, [&](redis_reply r) { error = r; });
  REQUIRE(run_until(io, [&] { return error.has_value(); }));
  CHECK(get->type == kind::string);
  CHECK(get->str == std::string("v\0al", 4));
  CHECK(missing->type == kind::nil);
  CHECK(incr->type == kind::integer);
  CHECK(incr->integer == 41);
  REQUIRE(array->type == kind::array);
  REQUIRE(array->elements.size() == 2);
  CHECK(array->elements[1].type == kind::nil);
  CHECK(error->type == kind::error);
  CHECK_FALSE(error->ok());
  CHECK(states == std::vector<bool>{true});
  conn->close();
  // After close: no callback at all.
  bool called = false;
  conn->command({"PING"}, [&](redis_reply) { called = true; });
  txrt::test::run_for(io, 50ms);
  CHECK_FALSE(called);
}

TEST_CASE("commands while redis is down answer unavailable within the deadline", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  auto conn = redis_connection::create(io, options_for(server, 300ms));
  std::vector<bool> states;
  conn->on_state([&](bool up) { states.push_back(up); });
  conn->start();
  REQUIRE(run_until(io, [&] { return conn->connected(); }));

  SECTION("killed: unavailable at once, then back after a restart") {
    server.stop();
    REQUIRE(run_until(io, [&] { return !conn->connected(); }));
    std::optional<redis_reply> r;
    const auto t0 = std::chrono::steady_clock::now();
    conn->command({"PING"}, [&](redis_reply x) { r = x; });
    REQUIRE(run_until(
        io, [&] { return r.has_value(); }, 2s));
    CHECK(std::chrono::steady_clock::now() - t0 < 400ms);
    CHECK(r->type == kind::unavailable);
    REQUIRE(server.start());
    REQUIRE(run_until(
        io, [&] { return conn->connected(); }, 10s));
    r.reset();
    conn->command({"PING"}, [&](redis_reply x) { r = x; });
    REQUIRE(run_until(io, [&] { return r.has_value(); }));
    CHECK(r->str == "PONG");
    CHECK(states == std::vector<bool>{true, false, true});
  }

  SECTION("hung (SIGSTOP): the deadline answers") {
    server.pause();
    std::optional<redis_reply> r;
    const auto t0 = std::chrono::steady_clock::now();
    conn->command({"PING"}, [&](redis_reply x) { r = x; });
    REQUIRE(run_until(
        io, [&] { return r.has_value(); }, 3s));
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= 250ms);
    CHECK(waited < 1500ms);
    CHECK(r->type == kind::unavailable);
    server.resume();
    // The late reply to the timed-out PING must not reach anyone; the next command works.
    r.reset();
    conn->command({"ECHO", "after"}, [&](redis_reply x) { r = x; });
    REQUIRE(run_until(io, [&] { return r.has_value(); }));
    CHECK(r->str == "after");
  }
  conn->close();
}

TEST_CASE("a connection started while redis is down connects once it is up", "[redis]") {
  redis_process server;  // not started yet
  boost::asio::io_context io;
  auto conn = redis_connection::create(io, options_for(server, 200ms));
  conn->start();
  std::optional<redis_reply> r;
  conn->command({"PING"}, [&](redis_reply x) { r = x; });
  REQUIRE(run_until(
      io, [&] { return r.has_value(); }, 1s));
  CHECK(r->type == kind::unavailable);
  REQUIRE(server.start());
  REQUIRE(run_until(
      io, [&] { return conn->connected(); }, 10s));
  conn->close();
}

TEST_CASE("pub/sub: messages, confirmations and re-subscription", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  auto sub = redis_connection::create(io, options_for(server));
  std::vector<std::string> got;
  std::vector<std::string> confirmed;
  sub->on_message([&](std::string_view ch, std::string_view p, std::string_view pattern) {
    got.push_back(std::string(ch) + "=" + std::string(p) +
                  (pattern.empty() ? "" : " (" + std::string(pattern) + ")"));
  });
  sub->on_subscription([&](std::string_view name, bool pattern, bool active) {
    confirmed.push_back((active ? "+" : "-") + std::string(pattern ? "p:" : "") +
                        std::string(name));
  });
  sub->subscribe("plain");
  sub->psubscribe("pat:*");
  sub->start();
  REQUIRE(run_until(io, [&] { return confirmed.size() == 2; }));
  server.call({"PUBLISH", "plain", "1"});
  server.call({"PUBLISH", "pat:x", "2"});
  server.call({"PUBLISH", "other", "3"});
  server.call({"PUBLISH", "plain", "4"});
  REQUIRE(run_until(io, [&] { return got.size() == 3; }));
  CHECK(got == std::vector<std::string>{"plain=1", "pat:x=2 (pat:*)", "plain=4"});

  // A pub/sub connection refuses regular commands (Redis would too).
  std::optional<redis_reply> r;
  sub->command({"GET", "x"}, [&](redis_reply x) { r = x; });
  REQUIRE(run_until(io, [&] { return r.has_value(); }));
  CHECK(r->type == kind::error);

  sub->unsubscribe("plain");
  REQUIRE(run_until(io, [&] { return confirmed.size() == 3; }));
  CHECK(confirmed.back() == "-plain");

  // Restart: the pattern (and only it) is subscribed again.
  server.stop();
  REQUIRE(run_until(io, [&] { return !sub->connected(); }));
  REQUIRE(server.start());
  REQUIRE(run_until(
      io, [&] { return confirmed.size() == 4; }, 10s));
  CHECK(confirmed.back() == "+p:pat:*");
  got.clear();
  server.call({"PUBLISH", "plain", "5"});
  server.call({"PUBLISH", "pat:y", "6"});
  REQUIRE(run_until(io, [&] { return got.size() == 1; }));
  CHECK(got[0] == "pat:y=6 (pat:*)");
  sub->close();
}

TEST_CASE("close() inside a message callback is safe", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  auto sub = redis_connection::create(io, options_for(server));
  int messages = 0;
  bool subscribed = false;
  sub->on_subscription([&](std::string_view, bool, bool) { subscribed = true; });
  sub->on_message([&](std::string_view, std::string_view, std::string_view) {
    ++messages;
    sub->close();
  });
  sub->subscribe("c");
  sub->start();
  REQUIRE(run_until(io, [&] { return subscribed; }));
  // Several messages in one read: the ones after close() are dropped.
  REQUIRE(server.pipeline({{"PUBLISH", "c", "1"}, {"PUBLISH", "c", "2"}, {"PUBLISH", "c", "3"}}) ==
          3);
  REQUIRE(run_until(io, [&] { return messages > 0; }));
  txrt::test::run_for(io, 50ms);
  CHECK(messages == 1);
  CHECK_FALSE(sub->connected());
}
