// server/socketio/admission.cpp: a namespace that admits later (after asking a validator). The
// CONNECT is answered only when the handler answers: with the sid and the handler's state as
// the socket's app_state, or with CONNECT_ERROR carrying the refusal; an answer that comes after
// the session closed is dropped.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/socketio/connection.hpp"
#include "server/socketio/socket.hpp"
#include "tests/doubles/engine_harness.hpp"

using namespace std::chrono_literals;
using txrt::testing::engine_harness;

namespace {

// Holds every admission until the test answers it.
struct later_namespace : txrt::sio::namespace_handler {
  std::vector<std::string> auths;
  std::vector<txrt::sio::admission_done> waiting;
  std::vector<std::shared_ptr<txrt::sio::socket>> sockets;

  bool admits_later() const override { return true; }
  void authorize_async(const txrt::sio::admission_request& r,
                       txrt::sio::admission_done done) override {
    auths.emplace_back(r.auth);
    waiting.push_back(std::move(done));
  }
  void on_connect(const std::shared_ptr<txrt::sio::socket>& s, std::string_view) override {
    sockets.push_back(s);
  }
  void on_event(const std::shared_ptr<txrt::sio::socket>&, const txrt::sio::event&) override {}
};

struct fixture {
  std::shared_ptr<later_namespace> admin = std::make_shared<later_namespace>();
  txrt::sio::namespaces spaces;
  engine_harness h;

  fixture() : spaces(make(admin)), h(txrt::eio::version::v4, txrt::testing::quiet_options()) {
    h.open(txrt::sio::make_connection_factory(spaces));
    h.get_packets();  // the open packet
  }
  static txrt::sio::namespaces make(std::shared_ptr<later_namespace> admin) {
    txrt::sio::namespaces n;
    n.by_name.emplace("/admin", std::move(admin));
    n.connect_timeout = 10min;
    return n;
  }
};

}  // namespace

TEST_CASE("an admission that admits answers CONNECT with the sid and the handler's state",
          "[sio][admission]") {
  fixture f;
  f.h.post(R"(40/admin,{"username":"u","password":"p"})");
  REQUIRE(f.admin->waiting.size() == 1);
  CHECK(f.admin->auths.at(0) == R"({"username":"u","password":"p"})");
  CHECK(f.admin->sockets.empty());  // nothing before the answer
  auto state = std::make_shared<int>(42);
  f.admin->waiting.at(0)(std::nullopt, state);
  f.h.poll();
  REQUIRE(f.admin->sockets.size() == 1);
  CHECK(f.admin->sockets.at(0)->app_state == state);
  auto packets = f.h.get_packets();
  REQUIRE(packets.size() == 1);
  CHECK(packets.at(0) == "40/admin," + std::string(R"({"sid":")") + f.admin->sockets.at(0)->id() +
                             "\"}");
}

TEST_CASE("an admission that refuses answers CONNECT_ERROR with its message",
          "[sio][admission]") {
  fixture f;
  f.h.post(R"(40/admin,{"password":"wrong"})");
  REQUIRE(f.admin->waiting.size() == 1);
  f.admin->waiting.at(0)(std::string("invalid credentials"), nullptr);
  f.h.poll();
  CHECK(f.admin->sockets.empty());
  auto packets = f.h.get_packets();
  REQUIRE(packets.size() == 1);
  CHECK(packets.at(0) == R"(44/admin,{"message":"invalid credentials"})");
}

TEST_CASE("an admission without a state is a refusal", "[sio][admission]") {
  fixture f;
  f.h.post("40/admin,");
  REQUIRE(f.admin->waiting.size() == 1);
  CHECK(f.admin->auths.at(0) == "{}");
  f.admin->waiting.at(0)(std::nullopt, nullptr);
  f.h.poll();
  CHECK(f.admin->sockets.empty());
  CHECK(f.h.get_packets().at(0).starts_with("44/admin,"));
}

TEST_CASE("an admission answered after the session closed is dropped", "[sio][admission]") {
  std::shared_ptr<later_namespace> admin;
  txrt::sio::admission_done late;
  {
    fixture f;
    admin = f.admin;
    f.h.post("40/admin,{}");
    REQUIRE(f.admin->waiting.size() == 1);
    late = f.admin->waiting.at(0);
    f.h.post("1");  // the client closes
    f.h.poll();
  }
  late(std::nullopt, std::make_shared<int>(1));  // no session: nothing happens, nothing crashes
  CHECK(admin->sockets.empty());
}
