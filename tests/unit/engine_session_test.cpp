// server/engine/session: the Engine.IO state machine over its polling transport, driven on a
// plain io_context through the polling entry points (tests/doubles/engine_harness): the open
// packet, the heartbeat of v4 and v3, GET/POST, the send-queue bound and the close reasons.
#include "server/engine/session.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/doubles/engine_harness.hpp"

using namespace std::chrono_literals;
using txrt::eio::version;
using txrt::engine::close_reason;
using txrt::engine::send_result;
using txrt::testing::engine_harness;
using txrt::testing::engine_record;
using txrt::testing::recording_factory;
using strings = std::vector<std::string>;

namespace {

const std::string unknown_sid_body = R"({"code":1,"message":"Session ID unknown"})";
const std::string bad_request_body = R"({"code":3,"message":"Bad request"})";

txrt::engine::engine_options heartbeat(std::chrono::milliseconds interval,
                                       std::chrono::milliseconds timeout) {
  auto o = txrt::testing::quiet_options();
  o.ping_interval = interval;
  o.ping_timeout = timeout;
  return o;
}

}  // namespace

TEST_CASE("v4: the first GET carries the open packet", "[engine][session]") {
  auto record = std::make_shared<engine_record>();
  auto options = heartbeat(10000ms, 5000ms);
  options.max_payload = 1000;
  engine_harness h(version::v4, options);
  auto& s = h.open(recording_factory(record));
  CHECK(record->opened);
  CHECK(s.transport_name() == "polling");
  CHECK(h.registry.find("test-sid") != nullptr);
  CHECK(h.get_packets() ==
        strings{R"(0{"sid":"test-sid","upgrades":["websocket"],"pingInterval":10000,)"
                R"("pingTimeout":5000,"maxPayload":1000})"});
}

TEST_CASE("v3: the open packet in the length-prefixed framing", "[engine][session]") {
  auto record = std::make_shared<engine_record>();
  engine_harness h(version::v3, heartbeat(10000ms, 5000ms));
  h.open(recording_factory(record));
  const std::string open =
      R"(0{"sid":"test-sid","upgrades":["websocket"],"pingInterval":10000,"pingTimeout":5000})";
  CHECK(h.get().body == std::to_string(open.size()) + ":" + open);
}

TEST_CASE("a held GET is answered by the next packets, all in one payload", "[engine][session]") {
  auto record = std::make_shared<engine_record>();
  engine_harness h;
  auto& s = h.open(recording_factory(record));
  h.get();  // the open packet

  auto held = h.begin_get();
  CHECK_FALSE(held.answered());
  CHECK(s.send_text_message("a") == send_result::queued);
  REQUIRE(held.answered());
  CHECK(held.body() == "4a");

  // Packets queued while no GET is held go out together in the next one.
  CHECK(s.send_text_message("b") == send_result::queued);
  CHECK(s.send_binary_message("\x01\x02") == send_result::queued);
  CHECK(s.queued_bytes() > 0);
  CHECK(h.get_packets() == strings{"4b", "bAQI="});
  CHECK(s.queued_bytes() == 0);
}

TEST_CASE("a POST hands its messages to the handler in order", "[engine][session]") {
  auto record = std::make_shared<engine_record>();
  engine_harness h;
  h.open(recording_factory(record, /*echo=*/true));
  h.get();
  auto r = h.post(
      "4one\x1e"
      "bAQI=\x1e"
      "4two");
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK(record->messages == strings{"one", "two"});
  CHECK(record->binaries == strings{"\x01\x02"});
  CHECK(h.get_packets() == strings{"4one", "bAQI=", "4two"});  // the echo
}

TEST_CASE("v4 heartbeat: a ping every interval, a pong renews it, silence closes",
          "[engine][session][heartbeat]") {
  auto record = std::make_shared<engine_record>();
  // A short interval; a timeout long enough that a busy machine does not miss the pong.
  engine_harness h(version::v4, heartbeat(20ms, 300ms));
  h.open(recording_factory(record));
  h.get();

  auto first = h.begin_get();
  REQUIRE(h.run_until([&] { return first.answered(); }));
  CHECK(first.body() == "2");
  h.post("3");  // the pong: the next ping comes an interval later

  auto second = h.begin_get();
  REQUIRE(h.run_until([&] { return second.answered(); }));
  CHECK(second.body() == "2");
  CHECK_FALSE(record->closed);

  // No pong this time: the session ends within ping_timeout, and a held GET is told.
  auto third = h.begin_get();
  REQUIRE(h.run_until([&] { return record->closed.has_value(); }));
  CHECK(*record->closed == close_reason::ping_timeout);
  REQUIRE(third.answered());
  CHECK(third.body() == "1");
  CHECK(h.get().body == unknown_sid_body);
}

TEST_CASE("v3 heartbeat: the client pings, the server pongs; silence closes",
          "[engine][session][heartbeat]") {
  auto record = std::make_shared<engine_record>();
  engine_harness h(version::v3, heartbeat(100ms, 200ms));
  h.open(recording_factory(record));
  h.get();
  h.post("1:2");
  CHECK(h.get_packets() == strings{"3"});
  h.post("6:2probe");
  CHECK(h.get_packets() == strings{"3probe"});
  CHECK_FALSE(record->closed);
  REQUIRE(h.run_until([&] { return record->closed.has_value(); }));
  CHECK(*record->closed == close_reason::ping_timeout);
}

TEST_CASE("v4 ignores a client ping (only the upgrade probe pings)", "[engine][session]") {
  auto record = std::make_shared<engine_record>();
  engine_harness h;
  h.open(recording_factory(record));
  h.get();
  h.post("2");
  CHECK_FALSE(h.begin_get().answered());
}

TEST_CASE("the send queue bound: past it the session closes as a slow consumer",
          "[engine][session][backpressure]") {
  auto record = std::make_shared<engine_record>();
  const std::string payload(100, 'x');
  const auto cost = 1 + payload.size() + txrt::engine::queued_packet_overhead;
  auto options = txrt::testing::quiet_options();
  options.send_queue_bytes = 2 * cost;  // two packets fit, the third does not
  engine_harness h(version::v4, options);
  auto& s = h.open(recording_factory(record));
  h.get();

  CHECK(s.send_text_message(payload) == send_result::queued);
  CHECK(s.send_text_message(payload) == send_result::queued);
  CHECK(s.queued_bytes() == 2 * cost);
  CHECK(s.send_text_message(payload) == send_result::slow_consumer);
  CHECK_FALSE(s.is_open());
  CHECK(record->closed == close_reason::slow_consumer);
  CHECK(s.queued_bytes() == 0);
  CHECK(s.send_text_message(payload) == send_result::closed);
  CHECK(record->close_calls == 1);
}

TEST_CASE("close reasons and what a held GET is told", "[engine][session][close]") {
  auto record = std::make_shared<engine_record>();
  auto options = txrt::testing::quiet_options();
  options.max_payload = 100;
  engine_harness h(version::v4, options);
  auto& s = h.open(recording_factory(record));
  h.get();
  auto held = h.begin_get();

  SECTION("the client's close packet: the GET gets a noop") {
    CHECK(h.post("1").body == "ok");
    CHECK(record->closed == close_reason::client_close);
    CHECK(held.body() == "6");
  }
  SECTION("the application's close: the GET gets a close packet") {
    s.close(close_reason::server_close);
    CHECK(record->closed == close_reason::server_close);
    CHECK(held.body() == "1");
  }
  SECTION("a second GET at once is refused and ends the session") {
    CHECK(h.begin_get().body() == bad_request_body);
    CHECK(record->closed == close_reason::polling_overlap);
    CHECK(held.body() == "1");
  }
  SECTION("the held GET's connection goes away") {
    h.abort_get({held.id + 100, held.response});  // a stale id changes nothing
    CHECK(s.is_open());
    h.abort_get(held);
    CHECK(record->closed == close_reason::transport_close);
  }
  SECTION("an undecodable POST") {
    CHECK(h.post("9x").body == bad_request_body);
    CHECK(record->closed == close_reason::parse_error);
  }
  SECTION("an open packet from the client") {
    h.post("0");
    CHECK(record->closed == close_reason::parse_error);
  }
  SECTION("a POST over maxPayload") {
    auto r = h.post("4" + std::string(100, 'x'));
    CHECK(r.status == 413);
    CHECK(record->closed == close_reason::payload_too_large);
  }
  CHECK_FALSE(s.is_open());
  CHECK(record->close_calls == 1);
  CHECK(h.registry.size() == 0);
  // The sid is gone for every later request.
  CHECK(h.get().body == unknown_sid_body);
  CHECK(h.post("4late").body == unknown_sid_body);
  CHECK(record->messages.empty());
}

TEST_CASE("v3 binary: the binary form unless the client asked for base64", "[engine][session]") {
  auto record = std::make_shared<engine_record>();
  SECTION("binary form") {
    engine_harness h(version::v3);
    auto& s = h.open(recording_factory(record));
    h.get();
    s.send_binary_message("\x01\x02");
    auto r = h.get();
    CHECK(r.content_type == "application/octet-stream");
    CHECK(h.packets(r.body, true) == strings{"bAQI="});
  }
  SECTION("b64=1") {
    engine_harness h(version::v3, txrt::testing::quiet_options(), /*b64=*/true);
    auto& s = h.open(recording_factory(record));
    h.get();
    s.send_binary_message("\x01\x02");
    auto r = h.get();
    CHECK(r.content_type == "text/plain; charset=UTF-8");
    CHECK(r.body == "6:b4AQI=");
  }
}
