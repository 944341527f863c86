// app/session_recovery over the app harness: the record a session leaves, and what a recovery
// finds and replays - only what the identity may still receive, once, from the right place.
#include "app/session_recovery.hpp"

#include <catch2/catch.hpp>

#include <thread>

#include "app/recovery_history.hpp"
#include "bridge/memory_kv_store.hpp"
#include "tests/doubles/app_harness.hpp"

using txrt::telecomx::access_level;
using txrt::telecomx::stream_offset;
using txrt::test::who;

namespace {

// The memory store, counting what the recovery writes and deletes.
class counting_store final : public txrt::bridge::kv_store {
 public:
  explicit counting_store(txrt::bridge::kv_store& inner) : inner_(inner) {}
  void set(std::string key, std::string value, std::chrono::milliseconds ttl,
           std::function<void(bool ok)> done) override {
    ++sets;
    inner_.set(std::move(key), std::move(value), ttl, std::move(done));
  }
  void expire(std::string key, std::chrono::milliseconds ttl,
              std::function<void(bool ok)> done) override {
    ++expires;
    inner_.expire(std::move(key), ttl, std::move(done));
  }
  void get(std::string key, txrt::bridge::kv_callback done) override {
    inner_.get(std::move(key), std::move(done));
  }
  void hset(std::string key, std::string field, std::string value) override {
    inner_.hset(std::move(key), std::move(field), std::move(value));
  }
  void hget(std::string key, std::string field, txrt::bridge::kv_callback done) override {
    inner_.hget(std::move(key), std::move(field), std::move(done));
  }
  int sets = 0;
  int expires = 0;

 private:
  txrt::bridge::kv_store& inner_;
};

struct recovery_fixture {
  // first_write_delay zero: every save writes (the delay has its own test case below).
  explicit recovery_fixture(
      std::chrono::milliseconds catch_up = std::chrono::milliseconds(0),
      std::chrono::milliseconds first_write_delay = std::chrono::milliseconds(0))
      : store(h.io), counted(store), history(1 << 20, std::chrono::minutes(2)) {
    txrt::telecomx::recovery_deps deps;
    deps.window = std::chrono::seconds(120);
    deps.prefix = "rt:";
    deps.store = &counted;
    deps.history = &history;
    deps.position_of_loop = [this](std::size_t) { return position; };
    deps.validator = h.validator;
    deps.store_executor = h.io.get_executor();
    deps.catch_up = catch_up;
    deps.first_write_delay = first_write_delay;
    recovery = std::make_unique<txrt::telecomx::session_recovery>(std::move(deps), *h.subs);
    history.on_stream({100, 0});
    position = {100, 0};
  }

  // An event on the stream: kept, and "delivered" by the loop.
  void event(txrt::telecomx::event_type type, std::string customer, std::string name) {
    position.index += 1;
    txrt::telecomx::history_entry e;
    e.position = position;
    e.type = type;
    e.customer = std::move(customer);
    e.sub_event = name;
    e.frame = {txrt::engine::make_shared_bytes(name), false, 0};
    e.at = txrt::telecomx::recovery_history::clock::now();
    history.append(std::move(e));
  }

  std::optional<txrt::telecomx::recovery_plan> find(const std::string& pid,
                                                     std::optional<std::string> offset) {
    std::optional<txrt::telecomx::recovery_plan> found;
    bool answered = false;
    recovery->find(pid, std::move(offset), "198.51.100.7", [&](auto plan) {
      answered = true;
      found = std::move(plan);
    });
    h.settle();
    REQUIRE(answered);
    return found;
  }

  std::vector<std::string> replayed(txrt::telecomx::client& c,
                                    const txrt::telecomx::recovery_plan& plan) {
    std::vector<std::string> frames;
    // As telecomx_namespace::resume does: a resumed socket has offsets.
    if (!c.recovery) c.recovery = std::make_unique<txrt::telecomx::client_recovery>("resumed");
    REQUIRE(recovery->replay(c, plan, [&](const txrt::engine::outgoing& f) {
      frames.push_back(*f.bytes);
    }));
    return frames;
  }

  txrt::test::app_harness h;
  txrt::bridge::memory_kv_store store;
  counting_store counted;
  txrt::telecomx::recovery_history history;
  stream_offset position;
  std::unique_ptr<txrt::telecomx::session_recovery> recovery;
};

const std::string pid = "AAAAAAAAAAAAAAAAAAAAAAAA";  // 24 base64url characters

}  // namespace

TEST_CASE("session recovery: the record brings back identity, subscriptions and what was missed",
          "[recovery]") {
  recovery_fixture f;
  using txrt::telecomx::event_type;
  auto& c = f.h.as(who("e1", "customer-north-1", access_level::manager));
  c.recovery = std::make_unique<txrt::telecomx::client_recovery>(pid);
  f.recovery->save(c);  // what on_authenticated does
  f.h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  f.recovery->save(c);
  f.event(event_type::pbx, "customer-north-1", "p1");   // 100-1: received
  c.recovery->last_sent = f.position;                    // as fan-out does
  f.event(event_type::call, "customer-north-1", "c1");  // 100-2: not subscribed yet
  f.h.subscribe(c, R"({"type":"CALL","customer":"customer-north-1"})");
  f.recovery->save(c);  // CALL held from 100-2 on
  f.recovery->disconnected(c, true);  // as the namespace does: before the identity goes
  f.h.leave(c);

  // While away.
  f.event(event_type::pbx, "customer-north-1", "p2");   // 100-3
  f.event(event_type::pbx, "customer-south", "other");  // 100-4: another customer's
  f.event(event_type::call, "customer-north-1", "c2");  // 100-5

  SECTION("with the offset of the last event received") {
    auto plan = f.find(pid, "100-1");
    REQUIRE(plan);
    // Its offset is the last event its node sent it: nothing for it before the node's position
    // at the disconnect (100-2), so the replay may start there.
    CHECK(plan->from == stream_offset{100, 2});
    CHECK(plan->who->employee == "e1");
    CHECK(plan->record.subscriptions.size() == 2);
    auto& back = f.h.connect();
    CHECK(f.replayed(back, *plan) == std::vector<std::string>{"p2", "c2"});
    CHECK(back.recovery->replayed_through == stream_offset{100, 5});
  }
  SECTION("without an offset (never received one): from the session's start, each subscription "
          "from its own") {
    auto plan = f.find(pid, std::nullopt);
    REQUIRE(plan);
    auto& back = f.h.connect();
    // c1 (100-2) came before CALL was held: not sent.
    CHECK(f.replayed(back, *plan) == std::vector<std::string>{"p1", "p2", "c2"});
  }
  SECTION("a token that no longer validates recovers nothing") {
    f.h.validator->add_error("token-e1", txrt::auth::auth_error::revoked, "revoked");
    CHECK_FALSE(f.find(pid, "100-1"));
  }
  SECTION("an identity that lost access to a subscription gets it back without it") {
    f.h.validator->add("token-e1", who("e1", "customer-south", access_level::manager));
    auto plan = f.find(pid, "100-1");
    REQUIRE(plan);
    CHECK(plan->record.subscriptions.empty());
    auto& back = f.h.connect();
    CHECK(f.replayed(back, *plan).empty());
  }
  SECTION("the token now naming another employee recovers nothing") {
    f.h.validator->add("token-e1", who("e2", "customer-north-1", access_level::manager));
    CHECK_FALSE(f.find(pid, "100-1"));
  }
  SECTION("unknown pids, malformed ones and offsets outside the history recover nothing") {
    CHECK_FALSE(f.find("BBBBBBBBBBBBBBBBBBBBBBBB", "100-1"));
    CHECK_FALSE(f.find("short", "100-1"));
    CHECK_FALSE(f.find(pid, "0-0"));
    CHECK_FALSE(f.find(pid, "99-7"));   // before this node's history
    CHECK_FALSE(f.find(pid, "100-9"));  // ahead of it
    CHECK_FALSE(f.find(pid, "garbage"));
  }
}

TEST_CASE("session recovery: a node behind the stream waits a little for it", "[recovery]") {
  recovery_fixture f(std::chrono::milliseconds(2000));
  auto& c = f.h.as(who("e1", "customer-north-1", access_level::manager));
  c.recovery = std::make_unique<txrt::telecomx::client_recovery>(pid);
  f.recovery->save(c);
  f.h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
  f.recovery->save(c);
  f.h.settle();
  // The client's old node had sent it 100-1, which this node has not received yet.
  std::optional<txrt::telecomx::recovery_plan> found;
  bool answered = false;
  f.recovery->find(pid, "100-1", "198.51.100.7", [&](auto plan) {
    answered = true;
    found = std::move(plan);
  });
  f.h.settle();
  CHECK_FALSE(answered);
  f.event(txrt::telecomx::event_type::pbx, "customer-north-1", "p1");
  f.h.io.restart();
  for (int i = 0; i < 100 && !answered; ++i) f.h.io.run_for(std::chrono::milliseconds(20));
  REQUIRE(answered);
  CHECK(found);
}

TEST_CASE("session recovery: a client that left deletes its record", "[recovery]") {
  recovery_fixture f;
  auto& c = f.h.as(who("e1", "customer-north-1", access_level::manager));
  c.recovery = std::make_unique<txrt::telecomx::client_recovery>(pid);
  f.recovery->save(c);
  REQUIRE(f.find(pid, std::nullopt));
  f.recovery->disconnected(c, false);
  f.h.leave(c);
  f.h.settle();
  // The point is time passing: the record now expires 1 ms after the disconnect.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK_FALSE(f.find(pid, std::nullopt));
}

TEST_CASE("session recovery: a fresh session's first record waits for its first subscription",
          "[recovery]") {
  using namespace std::chrono_literals;
  recovery_fixture f(0ms, 200ms);
  auto& c = f.h.as(who("e1", "customer-north-1", access_level::manager));
  c.recovery = std::make_unique<txrt::telecomx::client_recovery>(pid);
  f.recovery->save(c);  // authenticated, nothing held: not written yet
  CHECK_FALSE(f.find(pid, std::nullopt));

  SECTION("a subscription writes it at once, with the subscription: one write, not two") {
    f.h.subscribe(c, R"({"type":"PBX","customer":"customer-north-1"})");
    f.recovery->save(c);
    auto plan = f.find(pid, std::nullopt);
    REQUIRE(plan);
    CHECK(plan->record.subscriptions.size() == 1);
    f.h.io.restart();
    f.h.io.run_for(300ms);  // past the delay: the first write is not made again
    CHECK(f.counted.sets == 1);
  }
  SECTION("without one it is written once the delay has passed") {
    f.h.io.restart();
    for (int i = 0; i < 100 && !f.find(pid, std::nullopt); ++i) {
      f.h.io.restart();
      f.h.io.run_for(20ms);
    }
    auto plan = f.find(pid, std::nullopt);
    REQUIRE(plan);
    CHECK(plan->record.subscriptions.empty());
    CHECK(plan->who->employee == "e1");
  }
  SECTION("a transport that drops meanwhile writes it at once: the client may come back") {
    f.recovery->disconnected(c, true);
    f.h.leave(c);
    REQUIRE(f.find(pid, std::nullopt));
  }
  SECTION("a client that leaves meanwhile never has one") {
    f.recovery->disconnected(c, false);
    f.h.leave(c);
    f.h.io.restart();
    f.h.io.run_for(300ms);  // past the delay: the due write must not happen for a gone client
    CHECK_FALSE(f.find(pid, std::nullopt));
    CHECK(f.counted.sets == 0);
    CHECK(f.counted.expires == 0);  // nothing was written, so nothing to delete
  }
  SECTION("a hostile client re-authenticating without end waits once and is written once") {
    for (int i = 0; i < 1000; ++i) f.recovery->save(c);
    CHECK(f.counted.sets == 0);
    f.h.io.restart();
    for (int i = 0; i < 100 && f.counted.sets == 0; ++i) {
      f.h.io.restart();
      f.h.io.run_for(20ms);
    }
    f.h.io.restart();
    f.h.io.run_for(300ms);  // one more delay: no second write was queued by the others
    CHECK(f.counted.sets == 1);
  }
  SECTION("a resumed session (its start known) is written at once, subscriptions or not") {
    auto& back = f.h.as(who("e1", "customer-north-1", access_level::manager));
    back.recovery = std::make_unique<txrt::telecomx::client_recovery>("BBBBBBBBBBBBBBBBBBBBBBBB");
    back.recovery->since = f.position;
    f.recovery->save(back);
    CHECK(f.find("BBBBBBBBBBBBBBBBBBBBBBBB", std::nullopt));
  }
}
