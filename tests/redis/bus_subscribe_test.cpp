// bridge::redis_bus plain channel subscriptions (control, employee channels): delivery to the
// message sink, receiver counts from publish_counted(), and re-subscription after a restart.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "bridge/redis_bus.hpp"
#include "tests/redis/redis_process.hpp"

using namespace std::chrono_literals;
using txrt::bridge::parse_redis_url;
using txrt::bridge::redis_bus;
using txrt::test::redis_process;
using txrt::test::run_until;

namespace {

// One node: a bus and what its sinks received ("channel=payload").
struct node {
  redis_bus bus;
  std::vector<std::string> events, messages;

  node(boost::asio::io_context& io, const redis_process& server)
      : bus(io, *parse_redis_url(server.url()), "rt:") {
    bus.start([this](std::string_view ch, std::string_view p, txrt::telecomx::stream_offset) {
                record(events, ch, p);
              }, nullptr,
              [this](std::string_view ch, std::string_view p) { record(messages, ch, p); });
  }
  ~node() { bus.stop(); }
  static void record(std::vector<std::string>& to, std::string_view ch, std::string_view p) {
    to.push_back(std::string(ch) + "=" + std::string(p));
  }
};

// publish_counted(), waiting for its answer.
long counted(boost::asio::io_context& io, redis_bus& bus, const std::string& channel,
             const std::string& payload) {
  std::optional<long> n;
  bus.publish_counted(channel, payload, [&](long r) { n = r; });
  REQUIRE(run_until(io, [&] { return n.has_value(); }));
  return *n;
}

// A subscription takes effect when Redis has processed it, which the publishing connection
// cannot see: publish probes until the count is `want` (bounded).
bool count_becomes(boost::asio::io_context& io, redis_bus& bus, const std::string& channel,
                   long want) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (counted(io, bus, channel, "probe") == want) return true;
    txrt::test::run_for(io, 10ms);  // polling interval
  }
  return false;
}

}  // namespace

TEST_CASE("redis bus: plain subscriptions reach the message sink", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  node a(io, server), b(io, server);
  REQUIRE(run_until(io, [&] { return a.bus.ready() && b.bus.ready(); }));

  // Nobody subscribed: PUBLISH reached no one.
  CHECK(counted(io, b.bus, "rt:employee:e1", "x") == 0);
  a.bus.subscribe("rt:employee:e1");
  a.bus.subscribe("rt:control");
  REQUIRE(count_becomes(io, b.bus, "rt:employee:e1", 1));
  REQUIRE(count_becomes(io, b.bus, "rt:control", 1));
  a.messages.clear();

  // From the other node, from this node, and from an outside publisher.
  CHECK(counted(io, b.bus, "rt:employee:e1", "{\"request\":1}") == 1);
  a.bus.publish("rt:control", "{\"revoke\":{\"employee\":\"e2\"}}");
  // publish() is queued on the loop, the outside publisher is synchronous: let it go first.
  REQUIRE(run_until(io, [&] { return a.messages.size() == 2; }));
  CHECK(server.call({"PUBLISH", "rt:employee:e1", "outside"}) == ":1");
  REQUIRE(run_until(io, [&] { return a.messages.size() == 3; }));
  CHECK(a.messages[0] == "rt:employee:e1={\"request\":1}");
  CHECK(a.messages[1] == "rt:control={\"revoke\":{\"employee\":\"e2\"}}");
  CHECK(a.messages[2] == "rt:employee:e1=outside");
  CHECK(b.messages.empty());
  CHECK(a.events.empty());

  // Event channels still go to the event sink only, on both nodes (two pattern subscribers).
  CHECK(counted(io, a.bus, "rt:event:PBX:c1", "{}") == 2);
  REQUIRE(run_until(io, [&] { return a.events.size() == 1 && b.events.size() == 1; }));
  CHECK(a.messages.size() == 3);

  // Both nodes subscribed: 2 receivers. Unsubscribed everywhere: 0, and nothing delivered.
  b.bus.subscribe("rt:employee:e1");
  REQUIRE(count_becomes(io, a.bus, "rt:employee:e1", 2));
  a.bus.unsubscribe("rt:employee:e1");
  b.bus.unsubscribe("rt:employee:e1");
  // A message Redis sent before processing the UNSUBSCRIBE is dropped by the bus.
  server.call({"PUBLISH", "rt:employee:e1", "late"});
  REQUIRE(count_becomes(io, a.bus, "rt:employee:e1", 0));
  txrt::test::run_for(io, 50ms);
  for (const auto& m : a.messages) CHECK(m.find("late") == std::string::npos);
  for (const auto& m : b.messages) CHECK(m.find("late") == std::string::npos);
  CHECK(a.bus.publish_failures() == 0);
}

TEST_CASE("redis bus: plain subscriptions survive a redis restart", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  node a(io, server);
  a.bus.subscribe("rt:employee:e1");  // before the first connect
  REQUIRE(run_until(io, [&] { return a.bus.ready(); }));
  REQUIRE(count_becomes(io, a.bus, "rt:employee:e1", 1));
  a.bus.subscribe("rt:control");  // while connected
  REQUIRE(count_becomes(io, a.bus, "rt:control", 1));

  server.stop();
  REQUIRE(run_until(io, [&] { return !a.bus.ready(); }));
  // Redis down: no count, -1 (and counted as a failure).
  CHECK(counted(io, a.bus, "rt:control", "down") == -1);
  CHECK(a.bus.publish_failures() == 1);

  REQUIRE(server.start());  // the same port, an empty server
  REQUIRE(run_until(
      io, [&] { return a.bus.ready(); }, 10s));
  // The channels are re-subscribed ahead of the pattern, on the same connection: once the
  // pattern is confirmed (ready), so are they.
  a.messages.clear();
  CHECK(server.call({"PUBLISH", "rt:employee:e1", "after-1"}) == ":1");
  CHECK(server.call({"PUBLISH", "rt:control", "after-2"}) == ":1");
  REQUIRE(run_until(io, [&] { return a.messages.size() == 2; }));
  CHECK(a.messages == std::vector<std::string>{"rt:employee:e1=after-1", "rt:control=after-2"});
  // The command connection comes back too.
  REQUIRE(count_becomes(io, a.bus, "rt:employee:e1", 1));
}
