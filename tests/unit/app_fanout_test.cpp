// app/fanout: an event from the bus reaching the sockets of every loop, without a network.
// Two loops of a server::loop_pool are run on the test thread (poll(): only the work already
// posted, never blocking); each has its own room index. A client is the application's real
// per-socket state over a real sio::socket and Engine.IO session that was never started: the
// session queues what it is sent as long-polling would, and a polling GET answered on the spot
// hands back the exact packets. Covered: exactly one delivery per socket however many of its
// subscriptions match (the room index's once-per-event stamp), routing by the channel's
// customer rather than the payload's, the messages dropped and counted, the directory callback
// of CONFIG CUSTOMER_UPDATED / CUSTOMER_DELETED, and the packet bytes 42["TYPE",payload].
#include "app/fanout.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/app_metrics.hpp"
#include "app/client.hpp"
#include "rooms/room_index.hpp"
#include "server/engine/session.hpp"
#include "server/engine/session_registry.hpp"
#include "server/loop_pool.hpp"
#include "server/socketio/socket.hpp"

using namespace txrt;
using telecomx::event_type;
using telecomx::subscription;
using st = telecomx::subscription_type;
using strings = std::vector<std::string>;

namespace {

constexpr std::string_view prefix = "rt:";
// A socket views its namespace's name, which must outlive it (a connection gives its own key).
const std::string root_namespace = "/";

// One socket on one loop, as the application holds it.
class test_client {
 public:
  test_client(server::loop_pool& loops, std::size_t loop, engine::session_registry& registry,
              const engine::engine_options& options, const std::string& id)
      : session_(std::make_shared<engine::session>(loops.loop(loop), registry, options, "sid-" + id,
                                                   eio::version::v4, false)),
        socket_(std::make_shared<sio::socket>(session_, root_namespace, id, sio::version::v5,
                                                      nullptr)),
        state_(*socket_, loop) {}

  telecomx::client& state() { return state_; }

  // The packets the socket was sent since the last call, in order ("42[...]" each): one polling
  // GET, answered at once when something is queued.
  strings received() {
    strings packets;
    if (session_->queued_bytes() == 0) return packets;
    std::string body;
    bool answered = false;
    session_->on_polling_get(++get_id_, [&](engine::polling_response r) {
      answered = true;
      body = std::move(r.body);
    });
    REQUIRE(answered);
    for (std::size_t start = 0;;) {  // a v4 payload: packets separated by 0x1e
      const std::size_t end = body.find('\x1e', start);
      packets.push_back(body.substr(start, end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return packets;
  }

 private:
  std::shared_ptr<engine::session> session_;
  std::shared_ptr<sio::socket> socket_;
  telecomx::client state_;
  std::uint64_t get_id_ = 0;
};

std::uint64_t dropped(metrics::drop_reason reason) {
  return metrics::events_dropped.at(static_cast<std::size_t>(reason)).value();
}
std::uint64_t events_in(event_type type) {
  return metrics::events_in.at(static_cast<std::size_t>(type)).value();
}
std::uint64_t deliveries() {
  return metrics::deliveries.get().value();
}

// Two loops, a room index and a session registry each, the fan-out over them, and the customers
// its directory callback was told of.
struct fixture {
  fixture()
      : loops(2),
        fan(loops, std::string(prefix), {&indexes[0], &indexes[1]},
            [this](const std::string& customer) { invalidated.push_back(customer); }) {}

  ~fixture() {
    // Members leave their index before they are destroyed (room_index's contract).
    for (auto& c : clients) indexes[c->state().loop].remove_all(c->state());
  }

  test_client& connect(std::size_t loop, const std::vector<subscription>& subs) {
    clients.push_back(std::make_unique<test_client>(loops, loop, registries[loop], options,
                                                    "s" + std::to_string(clients.size())));
    for (const auto& s : subs) REQUIRE(indexes[loop].add(clients.back()->state(), s));
    return *clients.back();
  }

  // A message from the bus, then every loop runs what it was posted (bounded: poll() never
  // waits, and fan-out posts nothing further).
  void publish(std::string_view channel, std::string_view payload) {
    fan.on_bus_message(channel, payload);
    for (std::size_t i = 0; i < loops.size(); ++i) loops.loop(i).poll();
  }

  server::loop_pool loops;
  engine::engine_options options;
  engine::session_registry registries[2]{engine::session_registry{loops.loop(0)},
                                          engine::session_registry{loops.loop(1)}};
  rooms::room_index<telecomx::client> indexes[2];
  strings invalidated;
  telecomx::fanout fan;
  std::vector<std::unique_ptr<test_client>> clients;  // destroyed before the indexes
};

subscription sub(st type, std::string customer = {}, strings events = {},
                 std::vector<event_type> types = {}) {
  return subscription{type, std::move(customer), std::move(events), std::move(types)};
}

}  // namespace

TEST_CASE("fanout delivers once per socket however many subscriptions match", "[fanout]") {
  fixture f;
  // Four subscriptions of one socket select the event: the customer room, a filtered duplicate
  // of it, the ADMIN firehose and ADMIN:PBX.
  auto& many = f.connect(0, {sub(st::pbx, "c1"), sub(st::pbx, "c1", {"CALL_START"}), sub(st::admin),
                             sub(st::admin_pbx)});
  auto& admin_other_loop = f.connect(1, {sub(st::admin, {}, {}, {event_type::pbx})});
  auto& customer_other_loop = f.connect(1, {sub(st::pbx, "c1"), sub(st::admin_pbx)});
  auto& other_customer = f.connect(0, {sub(st::pbx, "c2"), sub(st::call, "c1")});
  auto& filtered_out = f.connect(1, {sub(st::pbx, "c1", {"CALL_END"})});

  const auto before = deliveries();
  const std::string payload = R"({"event":"CALL_START","customer":"c1"})";
  f.publish("rt:event:PBX:c1", payload);

  const strings one{R"(42["PBX",)" + payload + "]"};
  CHECK(many.received() == one);
  CHECK(admin_other_loop.received() == one);
  CHECK(customer_other_loop.received() == one);
  CHECK(other_customer.received().empty());
  CHECK(filtered_out.received().empty());
  CHECK(deliveries() - before == 3);

  // The next event is delivered once again: the stamp is per event, not per socket.
  f.publish("rt:event:PBX:c1", R"({"event":"CALL_END"})");
  CHECK(many.received() == strings{R"(42["PBX",{"event":"CALL_END"}])"});
  CHECK(filtered_out.received() == strings{R"(42["PBX",{"event":"CALL_END"}])"});
}

TEST_CASE("fanout routes by the channel's customer, not the payload's", "[fanout]") {
  fixture f;
  auto& c1 = f.connect(0, {sub(st::call, "c1")});
  auto& c2 = f.connect(1, {sub(st::call, "c2")});
  auto& mismatches =
      metrics::events_customer_mismatch.at(static_cast<std::size_t>(telecomx::event_type::call));
  const auto mismatched_before = mismatches.value();

  // A payload that agrees with its channel is no mismatch.
  f.publish("rt:event:CALL:c1", R"({"event":"RING","customer":"c1"})");
  CHECK(c1.received().size() == 1);
  CHECK(mismatches.value() == mismatched_before);

  f.publish("rt:event:CALL:c1", R"({"event":"START","customer":"c2"})");
  CHECK(c1.received() == strings{R"(42["CALL",{"event":"START","customer":"c2"}])"});
  CHECK(c2.received().empty());

  f.publish("rt:event:CALL:c2", R"({"event":"END","customer":"c1"})");
  CHECK(c1.received().empty());
  CHECK(c2.received() == strings{R"(42["CALL",{"event":"END","customer":"c1"}])"});
  // Both were delivered by channel, and both counted (a publisher's bug, on a dashboard).
  CHECK(mismatches.value() == mismatched_before + 2);

  // A channel without a customer reaches no customer subscription, whatever the payload says.
  auto& admin_call = f.connect(1, {sub(st::admin_call)});
  f.publish("rt:event:CALL", R"({"event":"START","customer":"c1"})");
  CHECK(c1.received().empty());
  CHECK(c2.received().empty());
  CHECK(admin_call.received().size() == 1);
}

TEST_CASE("fanout drops and counts what it cannot deliver", "[fanout]") {
  fixture f;
  auto& admin = f.connect(0, {sub(st::admin)});
  auto& pbx = f.connect(1, {sub(st::pbx, "c1")});

  const auto not_json = dropped(metrics::drop_reason::not_json);
  const auto bad_channel = dropped(metrics::drop_reason::bad_channel);
  const auto pbx_in = events_in(event_type::pbx);
  const auto before = deliveries();

  // Not a JSON object: dropped before the event is counted in.
  for (const char* payload : {"", "not json", R"({"event":"X")", "[1,2]", R"("text")", "42", "null",
                              "{\"event\":\"\xff\"}"}) {
    f.publish("rt:event:PBX:c1", payload);
  }
  CHECK(dropped(metrics::drop_reason::not_json) - not_json == 8);
  CHECK(events_in(event_type::pbx) == pbx_in);

  // Not an event channel of a known type (the channel is checked first, even for bad JSON).
  for (const char* channel : {"rt:event:NOPE:c1", "rt:event:PBX:", "other:event:PBX:c1",
                              "rt:control", "rt:event:pbx:c1", "event:PBX:c1"}) {
    f.publish(channel, R"({"event":"CALL_START"})");
  }
  f.publish("rt:event:", "not json");
  CHECK(dropped(metrics::drop_reason::bad_channel) - bad_channel == 7);
  CHECK(dropped(metrics::drop_reason::not_json) - not_json == 8);

  CHECK(admin.received().empty());
  CHECK(pbx.received().empty());
  CHECK(deliveries() == before);
  CHECK(events_in(event_type::pbx) == pbx_in);

  // A good message afterwards is counted in and delivered.
  f.publish("rt:event:PBX:c1", "{}");
  CHECK(events_in(event_type::pbx) == pbx_in + 1);
  CHECK(admin.received() == strings{R"(42["PBX",{}])"});
  CHECK(pbx.received() == strings{R"(42["PBX",{}])"});
}

TEST_CASE("fanout tells the directory of CONFIG CUSTOMER_UPDATED and CUSTOMER_DELETED",
          "[fanout]") {
  fixture f;  // no subscriber at all: the directory is told regardless
  f.publish("rt:event:CONFIG:c1", R"({"event":"CUSTOMER_UPDATED","customer":"other"})");
  CHECK(f.invalidated == strings{"c1"});  // the channel's customer
  f.publish("rt:event:CONFIG:c2", R"({"event":"CUSTOMER_DELETED"})");
  CHECK(f.invalidated == strings{"c1", "c2"});

  // Not for another sub-event, another type, a channel without customer, or a dropped message.
  f.publish("rt:event:CONFIG:c3", R"({"event":"EMPLOYEE_UPDATED"})");
  f.publish("rt:event:CONFIG:c3", R"({"data":{"event":"CUSTOMER_UPDATED"}})");
  f.publish("rt:event:CONFIG:c3", R"({"event":"customer_updated"})");
  f.publish("rt:event:PBX:c3", R"({"event":"CUSTOMER_UPDATED"})");
  f.publish("rt:event:CONFIG", R"({"event":"CUSTOMER_UPDATED"})");
  f.publish("rt:event:CONFIG:c3", R"({"event":"CUSTOMER_UPDATED")");
  f.publish("rt:event:NOPE:c3", R"({"event":"CUSTOMER_UPDATED"})");
  CHECK(f.invalidated == strings{"c1", "c2"});

  // It is told on the bus loop, before any loop has run the delivery.
  f.fan.on_bus_message("rt:event:CONFIG:c4", R"({"event":"CUSTOMER_UPDATED"})");
  CHECK(f.invalidated == strings{"c1", "c2", "c4"});
  for (std::size_t i = 0; i < f.loops.size(); ++i) f.loops.loop(i).poll();
}

TEST_CASE("fanout writes 42[\"TYPE\",payload] with the payload byte for byte", "[fanout]") {
  fixture f;
  auto& admin = f.connect(0, {sub(st::admin)});
  auto& admin_other_loop = f.connect(1, {sub(st::admin)});

  // Whitespace, escapes, key order, numbers as written and non-ASCII are kept as published.
  const std::string payload =
      " {\"z\":1.50, \"event\" : \"REGISTER\",\"s\":\"a\\\"b\\u00e9\xc3\xa9\",\"a\":[ ]}\n";
  f.publish("rt:event:REGISTER:c1", payload);
  const strings expected{"42[\"REGISTER\"," + payload + "]"};
  CHECK(admin.received() == expected);
  CHECK(admin_other_loop.received() == expected);

  // Every type is named by its wire name; events of one channel keep their order.
  const std::pair<const char*, const char*> types[] = {
      {"CONFIG", "c1"}, {"CALL", "c1"}, {"PBX", "c1"}, {"REALTIME", "c1"},
      {"TRUNK", ""},    {"REDIS", ""},  {"PBX", "c1"}};
  strings in_order;
  for (std::size_t n = 0; n < std::size(types); ++n) {
    const auto [type, customer] = types[n];
    const std::string channel =
        std::string("rt:event:") + type + (*customer ? std::string(":") + customer : "");
    const std::string body = "{\"n\":" + std::to_string(n) + "}";
    f.publish(channel, body);
    in_order.push_back(std::string("42[\"") + type + "\"," + body + "]");
  }
  CHECK(admin.received() == in_order);
  CHECK(admin_other_loop.received() == in_order);
}

TEST_CASE("fanout keeps the order of several events queued before the loops run", "[fanout]") {
  fixture f;
  auto& a = f.connect(0, {sub(st::pbx, "c1")});
  auto& b = f.connect(1, {sub(st::pbx, "c1")});
  for (int n = 0; n < 5; ++n)
    f.fan.on_bus_message("rt:event:PBX:c1", "{\"n\":" + std::to_string(n) + "}");
  CHECK(a.received().empty());  // nothing is delivered until the socket's own loop runs
  for (std::size_t i = 0; i < f.loops.size(); ++i) f.loops.loop(i).poll();
  strings expected;
  for (int n = 0; n < 5; ++n) expected.push_back("42[\"PBX\",{\"n\":" + std::to_string(n) + "}]");
  CHECK(a.received() == expected);
  CHECK(b.received() == expected);
}
