// bridge::redis_bus and bridge::local_bus: delivery, order, filtering, readiness across outages.
#include "bridge/local_bus.hpp"
#include "bridge/redis_bus.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "tests/redis/redis_process.hpp"

using namespace std::chrono_literals;
using txrt::bridge::parse_redis_url;
using txrt::bridge::redis_bus;
using txrt::test::redis_process;
using txrt::test::run_until;

namespace {

struct recorder {
  std::vector<std::string> channels;
  std::vector<std::string> payloads;
  std::vector<txrt::telecomx::stream_offset> positions;
  std::vector<bool> readiness;
  std::vector<std::string> messages;  // from subscribe()d channels: none in these tests

  txrt::bridge::event_sink events() {
    return [this](std::string_view ch, std::string_view p, txrt::telecomx::stream_offset at) {
      channels.emplace_back(ch);
      payloads.emplace_back(p);
      positions.push_back(at);
    };
  }
  txrt::bridge::ready_sink ready() {
    return [this](bool r) { readiness.push_back(r); };
  }
  txrt::bridge::message_sink messages_sink() {
    return [this](std::string_view ch, std::string_view) { messages.emplace_back(ch); };
  }
};

std::string numbered(int i) {
  return "{\"event\":\"E\",\"n\":" + std::to_string(i) + "}";
}

}  // namespace

TEST_CASE("redis bus delivers event channels in order, and nothing else", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  redis_bus bus(io, *parse_redis_url(server.url()), "rt:");
  recorder rec;
  bus.start(rec.events(), rec.ready(), rec.messages_sink());
  REQUIRE(run_until(io, [&] { return bus.ready(); }));
  CHECK(rec.readiness == std::vector<bool>{true});

  SECTION("2000 messages pipelined by an outside publisher") {
    std::vector<std::vector<std::string>> commands;
    for (int i = 0; i < 2000; ++i) commands.push_back({"PUBLISH", "rt:event:PBX:c1", numbered(i)});
    REQUIRE(server.pipeline(commands) == 2000);
    REQUIRE(run_until(io, [&] { return rec.payloads.size() >= 2000; }));
    bool in_order = true;
    for (int i = 0; i < 2000; ++i) in_order = in_order && rec.payloads[i] == numbered(i);
    CHECK(in_order);
    CHECK(rec.channels.front() == "rt:event:PBX:c1");
  }

  SECTION("2000 messages through publish(), from another thread") {
    std::thread publisher([&] {
      for (int i = 0; i < 2000; ++i) bus.publish("rt:event:CALL:c2", numbered(i));
    });
    REQUIRE(run_until(
        io, [&] { return rec.payloads.size() >= 2000; }, 10s));
    publisher.join();
    bool in_order = true;
    for (int i = 0; i < 2000; ++i) in_order = in_order && rec.payloads[i] == numbered(i);
    CHECK(in_order);
    CHECK(rec.payloads.size() == 2000);
    CHECK(bus.publish_failures() == 0);
  }

  SECTION("non-event channels and other prefixes are not delivered") {
    bus.publish("rt:control", "{\"revoke\":{\"employee\":\"e1\"}}");
    bus.publish("rt:employee:e1", "{}");
    bus.publish("other:event:PBX:c1", "{}");
    bus.publish("rt:eventX", "{}");
    bus.publish("rt:event:TRUNK", "{\"event\":\"last\"}");  // published last, so seen last
    REQUIRE(run_until(io, [&] { return !rec.payloads.empty(); }));
    txrt::test::run_for(io, 50ms);
    CHECK(rec.channels == std::vector<std::string>{"rt:event:TRUNK"});
    CHECK(rec.messages.empty());
  }
  bus.stop();
  CHECK_FALSE(bus.ready());
}

TEST_CASE("redis bus survives a redis restart", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  redis_bus bus(io, *parse_redis_url(server.url()), "rt:");
  recorder rec;
  bus.start(rec.events(), rec.ready(), rec.messages_sink());
  REQUIRE(run_until(io, [&] { return bus.ready(); }));

  server.stop();
  REQUIRE(run_until(io, [&] { return !bus.ready(); }));
  // While down, publishes fail (and are counted), nothing is delivered, nothing crashes.
  bus.publish("rt:event:PBX:c1", numbered(0));
  REQUIRE(run_until(io, [&] { return bus.publish_failures() == 1; }));

  REQUIRE(server.start());  // the same port
  REQUIRE(run_until(
      io, [&] { return bus.ready(); }, 10s));
  CHECK(rec.readiness == std::vector<bool>{true, false, true});
  // The command connection may come back a moment after the subscriber: wait for a publish
  // that gets through.
  REQUIRE(run_until(
      io,
      [&] {
        if (!rec.payloads.empty()) return true;
        if (bus.commands()->connected()) bus.publish("rt:event:PBX:c1", numbered(1));
        return false;
      },
      10s));
  CHECK(rec.payloads.front() == numbered(1));
  server.call({"PUBLISH", "rt:event:CONFIG:c9", numbered(2)});
  REQUIRE(run_until(io, [&] { return rec.payloads.back() == numbered(2); }));
  bus.stop();
}

TEST_CASE("redis bus with redis down at start becomes ready once it starts", "[redis]") {
  redis_process server;  // port reserved, not started
  boost::asio::io_context io;
  redis_bus bus(io, *parse_redis_url(server.url()), "rt:");
  recorder rec;
  bus.start(rec.events(), rec.ready(), rec.messages_sink());
  txrt::test::run_for(io, 300ms);
  CHECK_FALSE(bus.ready());
  CHECK(rec.readiness.empty());
  REQUIRE(server.start());
  REQUIRE(run_until(
      io, [&] { return bus.ready(); }, 10s));
  CHECK(rec.readiness == std::vector<bool>{true});
  server.call({"PUBLISH", "rt:event:REALTIME", "{}"});
  REQUIRE(run_until(io, [&] { return rec.payloads.size() == 1; }));
  bus.stop();
}

TEST_CASE("local bus delivers event channels in order", "[redis]") {
  boost::asio::io_context io;
  txrt::bridge::local_bus bus(io, "rt:");
  recorder rec;
  CHECK(bus.ready());
  bus.start(rec.events(), rec.ready(), rec.messages_sink());
  for (int i = 0; i < 100; ++i) bus.publish("rt:event:PBX:c1", numbered(i));
  bus.publish("rt:control", "{}");
  bus.publish("rt:event:TRUNK", "last");
  REQUIRE(run_until(io, [&] { return rec.payloads.size() == 101; }));
  CHECK(rec.readiness == std::vector<bool>{true});
  for (int i = 0; i < 100; ++i) REQUIRE(rec.payloads[i] == numbered(i));
  CHECK(rec.channels.back() == "rt:event:TRUNK");
  bus.stop();
  bus.publish("rt:event:PBX:c1", "after stop");
  txrt::test::run_for(io, 20ms);
  CHECK(rec.payloads.size() == 101);
}

TEST_CASE("two redis buses number the same stream alike (recovery positions)", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  redis_bus first(io, *parse_redis_url(server.url()), "rt:");
  recorder a;
  std::vector<txrt::telecomx::stream_offset> a_starts;
  first.on_stream([&](txrt::telecomx::stream_offset s) { a_starts.push_back(s); });
  first.start(a.events(), a.ready(), a.messages_sink());
  REQUIRE(run_until(io, [&] { return first.ready(); }));
  REQUIRE(a_starts.size() == 1);
  CHECK(a_starts[0].known());
  CHECK(a_starts[0].index == 0);

  // Messages before the second node joins: the first numbers them, the second never sees them.
  for (int i = 0; i < 3; ++i) first.publish("rt:event:PBX:c1", numbered(i));
  REQUIRE(run_until(io, [&] { return a.payloads.size() == 3; }));
  CHECK(a.positions[0] == txrt::telecomx::stream_offset{a_starts[0].epoch, 1});
  CHECK(a.positions[2] == txrt::telecomx::stream_offset{a_starts[0].epoch, 3});

  redis_bus second(io, *parse_redis_url(server.url()), "rt:");
  recorder b;
  std::vector<txrt::telecomx::stream_offset> b_starts;
  second.on_stream([&](txrt::telecomx::stream_offset s) { b_starts.push_back(s); });
  second.start(b.events(), b.ready(), b.messages_sink());
  REQUIRE(run_until(io, [&] { return second.ready(); }));
  // The second node's marker reached the first one too, numbered above the first's marker.
  REQUIRE(run_until(io, [&] { return a_starts.size() == 2; }));
  REQUIRE(b_starts.size() == 1);
  CHECK(b_starts[0] == a_starts[1]);
  CHECK(b_starts[0].epoch > a_starts[0].epoch);

  // From here on both number every event-channel message alike, whichever node published it,
  // valid JSON or not.
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 500; ++i)
    commands.push_back({"PUBLISH", i % 2 ? "rt:event:CALL:c2" : "rt:event:PBX:c1",
                        i % 7 ? numbered(i) : "not json"});
  REQUIRE(server.pipeline(commands) == 500);
  REQUIRE(run_until(io, [&] { return a.payloads.size() == 503 && b.payloads.size() == 500; }));
  const std::vector<txrt::telecomx::stream_offset> a_tail(a.positions.begin() + 3,
                                                          a.positions.end());
  CHECK(a_tail == b.positions);
  CHECK(b.positions.front() == txrt::telecomx::stream_offset{b_starts[0].epoch, 1});
  CHECK(b.positions.back() == txrt::telecomx::stream_offset{b_starts[0].epoch, 500});

  // A lost connection breaks the stream: every earlier position is forgotten, and the marker
  // published on reconnect starts a new epoch, above every earlier one.
  server.stop();
  REQUIRE(run_until(io, [&] { return !first.ready() && !second.ready(); }));
  CHECK(a_starts.back() == txrt::telecomx::stream_offset{});
  REQUIRE(server.start());
  REQUIRE(run_until(io, [&] { return first.ready() && second.ready(); }, 10s));
  CHECK(a_starts.back().known());
  CHECK(a_starts.back().epoch > b_starts[0].epoch);
  first.stop();
  second.stop();
}

TEST_CASE("recovery markers from someone else: garbage ignored, a lower number restarts",
          "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  boost::asio::io_context io;
  redis_bus bus(io, *parse_redis_url(server.url()), "rt:");
  recorder rec;
  std::vector<txrt::telecomx::stream_offset> starts;
  bus.on_stream([&](txrt::telecomx::stream_offset s) { starts.push_back(s); });
  bus.start(rec.events(), rec.ready(), rec.messages_sink());
  REQUIRE(run_until(io, [&] { return bus.ready(); }));
  REQUIRE(starts.size() == 1);
  const auto epoch = starts[0].epoch;

  // Anyone who can PUBLISH on Redis can write there: not numbers, huge text, zero.
  REQUIRE(server.pipeline({{"PUBLISH", "rt:recovery:marker", "not a number"},
                           {"PUBLISH", "rt:recovery:marker", std::string(100000, '9')},
                           {"PUBLISH", "rt:recovery:marker", "0"},
                           {"PUBLISH", "rt:event:PBX:c1", numbered(1)}}) == 4);
  REQUIRE(run_until(io, [&] { return rec.payloads.size() == 1; }));
  CHECK(starts.size() == 1);  // ignored
  CHECK(rec.positions[0] == txrt::telecomx::stream_offset{epoch, 1});

  // A number below the current epoch: earlier positions are forgotten, counting restarts there.
  REQUIRE(server.pipeline({{"PUBLISH", "rt:recovery:marker", "5"},
                           {"PUBLISH", "rt:event:PBX:c1", numbered(2)}}) == 2);
  REQUIRE(run_until(io, [&] { return rec.payloads.size() == 2; }));
  REQUIRE(starts.size() == 3);
  CHECK(starts[1] == txrt::telecomx::stream_offset{});  // the break
  CHECK(starts[2] == txrt::telecomx::stream_offset{5, 0});
  CHECK(rec.positions[1] == txrt::telecomx::stream_offset{5, 1});
  CHECK(bus.ready());
  bus.stop();
}
