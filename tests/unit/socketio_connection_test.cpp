// server/socketio/connection and socket: the Socket.IO dispatcher over a real Engine.IO session
// driven through long-polling (tests/doubles/engine_harness): CONNECT and its refusals, EVENT
// dispatch with an ack id, binary attachments both ways, and the disconnect reasons.
#include "server/socketio/connection.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/engine/session.hpp"
#include "server/socketio/event_frame.hpp"
#include "server/socketio/socket.hpp"
#include "tests/doubles/engine_harness.hpp"

using namespace std::chrono_literals;
using txrt::engine::close_reason;
using txrt::engine::send_result;
using txrt::sio::disconnect_reason;
using txrt::testing::engine_harness;
using strings = std::vector<std::string>;

namespace {

// A namespace that records what the dispatcher hands it and acks every event that asks.
struct recording_namespace : txrt::sio::namespace_handler {
  struct seen_event {
    std::string name, args;
    strings attachments;
    std::optional<std::uint64_t> ack_id;
  };
  std::optional<std::string> refusal;
  strings auths;
  std::vector<std::shared_ptr<txrt::sio::socket>> sockets;
  std::vector<seen_event> events;
  std::vector<disconnect_reason> disconnects;

  std::optional<std::string> authorize(std::string_view) override { return refusal; }
  void on_connect(const std::shared_ptr<txrt::sio::socket>& s, std::string_view auth) override {
    sockets.push_back(s);
    auths.emplace_back(auth);
  }
  void on_event(const std::shared_ptr<txrt::sio::socket>& s, const txrt::sio::event& e) override {
    events.push_back({std::string(e.name), std::string(e.args), *e.attachments, e.ack_id});
    if (e.ack_id) s->ack(*e.ack_id, e.args);
  }
  void on_disconnect(const std::shared_ptr<txrt::sio::socket>&, disconnect_reason r) override {
    disconnects.push_back(r);
  }
};

// The namespaces "/" and "/admin", declared before the harness (its session refers to them).
struct fixture {
  std::shared_ptr<recording_namespace> main = std::make_shared<recording_namespace>();
  std::shared_ptr<recording_namespace> admin = std::make_shared<recording_namespace>();
  txrt::sio::namespaces spaces;
  engine_harness h;

  explicit fixture(txrt::eio::version v = txrt::eio::version::v4,
                   txrt::engine::engine_options options = txrt::testing::quiet_options())
      : spaces(make_spaces(main, admin)), h(v, options) {
    h.open(txrt::sio::make_connection_factory(spaces));
  }
  static txrt::sio::namespaces make_spaces(std::shared_ptr<recording_namespace> main,
                                           std::shared_ptr<recording_namespace> admin) {
    txrt::sio::namespaces n;
    n.by_name.emplace("/", std::move(main));
    n.by_name.emplace("/admin", std::move(admin));
    n.connect_timeout = 10min;
    return n;
  }
  // CONNECT to "/" and the answer's packets.
  strings connect_main() {
    h.post("40");
    return h.get_packets();
  }
};

std::string connect_answer(std::string_view nsp_prefix, const txrt::sio::socket& s) {
  return "40" + std::string(nsp_prefix) + R"({"sid":")" + s.id() + R"("})";
}

}  // namespace

TEST_CASE("CONNECT to a namespace answers with the socket's sid", "[sio][connection]") {
  fixture f;
  CHECK(f.h.get_packets().at(0).starts_with("0{"));  // the Engine.IO open packet
  f.h.post(R"(40{"token":"t"})");
  REQUIRE(f.main->sockets.size() == 1);
  CHECK(f.main->auths == strings{R"({"token":"t"})"});
  CHECK(f.h.get_packets() == strings{connect_answer("", *f.main->sockets[0])});

  f.h.post("40/admin,");
  REQUIRE(f.admin->sockets.size() == 1);
  CHECK(f.admin->auths == strings{"{}"});  // no payload: an empty auth object
  CHECK(f.h.get_packets() == strings{connect_answer("/admin,", *f.admin->sockets[0])});
  CHECK(f.main->sockets[0]->id() != f.admin->sockets[0]->id());
}

TEST_CASE("a refused CONNECT answers CONNECT_ERROR and keeps the session", "[sio][connection]") {
  fixture f;
  f.h.get();
  SECTION("an unknown namespace") {
    f.h.post("40/nope,");
    CHECK(f.h.get_packets() == strings{R"(44/nope,{"message":"Invalid namespace"})"});
  }
  SECTION("the namespace's authorize() refuses") {
    f.main->refusal = "Not authorized";
    f.h.post("40");
    CHECK(f.h.get_packets() == strings{R"(44{"message":"Not authorized"})"});
    CHECK(f.main->sockets.empty());
  }
  CHECK(f.h.session->is_open());
}

TEST_CASE("an EVENT with an ack id is dispatched and answered", "[sio][connection]") {
  fixture f;
  f.h.get();
  f.connect_main();
  f.h.post(R"(4212["hello",{"a":1},"b"])");
  REQUIRE(f.main->events.size() == 1);
  const auto& e = f.main->events[0];
  CHECK(e.name == "hello");
  CHECK(e.args == R"({"a":1},"b")");
  CHECK(e.ack_id == 12u);
  CHECK(e.attachments.empty());
  CHECK(f.h.get_packets() == strings{R"(4312[{"a":1},"b"])"});

  f.h.post(R"(42["fire"])");  // no ack id: no answer
  REQUIRE(f.main->events.size() == 2);
  CHECK_FALSE(f.main->events[1].ack_id);
  CHECK_FALSE(f.h.begin_get().answered());
}

TEST_CASE("binary attachments: reassembled on the way in, sent after their packet",
          "[sio][connection][binary]") {
  fixture f;
  f.h.get();
  f.connect_main();
  // A BINARY_EVENT and its attachment, as the next Engine.IO binary message.
  f.h.post(
      "451-[\"up\",{\"_placeholder\":true,\"num\":0}]\x1e"
      "bAQI=");
  REQUIRE(f.main->events.size() == 1);
  CHECK(f.main->events[0].name == "up");
  CHECK(f.main->events[0].attachments == strings{"\x01\x02"});

  auto s = f.main->sockets.at(0);
  std::optional<std::string> answer;
  s->emit_with_ack("down", R"({"_placeholder":true,"num":0})", {"\x03"},
                   [&](std::string_view args, const strings&) { answer = std::string(args); });
  CHECK(f.h.get_packets() == strings{R"(451-0["down",{"_placeholder":true,"num":0}])", "bAw=="});
  f.h.post(R"(430["thanks"])");
  CHECK(answer == R"("thanks")");
}

TEST_CASE("send_encoded says queued, slow consumer or closed", "[sio][socket][backpressure]") {
  auto options = txrt::testing::quiet_options();
  // Bigger than the open packet, which must fit in the bound.
  const auto frame = txrt::sio::encode_event("tick", '"' + std::string(200, 'x') + '"');
  // Two events fit in the queue (nothing else is queued then); the third does not.
  options.send_queue_bytes = 2 * (frame.packet().size() + txrt::engine::queued_packet_overhead);
  fixture f(txrt::eio::version::v4, options);
  f.h.get();
  f.connect_main();
  auto s = f.main->sockets.at(0);
  CHECK(s->send_encoded(frame) == send_result::queued);
  CHECK(s->send_encoded(frame) == send_result::queued);
  CHECK(s->send_encoded(frame) == send_result::slow_consumer);
  CHECK(f.main->disconnects == std::vector{disconnect_reason::forced_close});
  CHECK(s->send_encoded(frame) == send_result::closed);
}

TEST_CASE("disconnect reasons", "[sio][connection][close]") {
  fixture f;
  f.h.get();
  f.connect_main();
  auto s = f.main->sockets.at(0);
  disconnect_reason expected{};
  SECTION("the client leaves the namespace; the session stays") {
    f.h.post("41");
    expected = disconnect_reason::client_namespace_disconnect;
    CHECK(f.h.session->is_open());
  }
  SECTION("the server disconnects the socket; the client is told") {
    s->disconnect();
    CHECK(f.h.get_packets() == strings{"41"});
    expected = disconnect_reason::server_namespace_disconnect;
    CHECK(f.h.session->is_open());
  }
  SECTION("the client closes the Engine.IO session") {
    f.h.post("1");
    expected = disconnect_reason::transport_close;
  }
  SECTION("the heartbeat fails") {
    f.h.session->close(close_reason::ping_timeout);
    expected = disconnect_reason::ping_timeout;
  }
  SECTION("the process shuts down") {
    f.h.session->close(close_reason::shutdown);
    expected = disconnect_reason::server_shutting_down;
  }
  SECTION("a packet for a namespace not joined is a parse error that ends the session") {
    f.h.post(R"(42/admin,["x"])");
    expected = disconnect_reason::parse_error;
    CHECK_FALSE(f.h.session->is_open());
  }
  SECTION("a stray binary message is a parse error") {
    f.h.post("bAQI=");
    expected = disconnect_reason::parse_error;
  }
  CHECK(f.main->disconnects == std::vector{expected});
  CHECK_FALSE(s->connected());
  CHECK(s->send_encoded(txrt::sio::encode_event("late", "")) == send_result::closed);
}

TEST_CASE("Socket.IO v2 clients (Engine.IO v3) are in \"/\" at once", "[sio][connection][v3]") {
  fixture f(txrt::eio::version::v3);
  REQUIRE(f.main->sockets.size() == 1);
  const auto packets = f.h.get_packets();
  REQUIRE(packets.size() == 2);
  CHECK(packets[0].starts_with("0{"));
  CHECK(packets[1] == "40");  // v4 of the Socket.IO protocol: no sid in the CONNECT answer
}

TEST_CASE("a session that joins no namespace in time is closed", "[sio][connection]") {
  std::shared_ptr<recording_namespace> main = std::make_shared<recording_namespace>();
  txrt::sio::namespaces spaces;
  spaces.by_name.emplace("/", main);
  spaces.connect_timeout = 20ms;
  engine_harness h;
  h.open(txrt::sio::make_connection_factory(spaces));
  h.get();
  auto held = h.begin_get();
  REQUIRE(h.run_until([&] { return !h.session->is_open(); }));
  CHECK(held.body() == "1");  // server_close: the client is told
  CHECK(main->sockets.empty());
}
