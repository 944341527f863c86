// bridge::memory_kv_store: TTL expiry (on a fake clock, and once on the real one), the bound,
// hashes, and callbacks that run on the loop, never inside the call.
#include "bridge/memory_kv_store.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>

using namespace std::chrono_literals;
using txrt::bridge::kv_value;
using txrt::bridge::memory_kv_store;

namespace {

struct fixture {
  boost::asio::io_context io;
  memory_kv_store::clock::time_point now{};  // the fake clock: moves only when a test says so
  memory_kv_store store{io, 4, [this] { return now; }};

  // Runs the queued work: posted calls, then their callbacks.
  void drain() {
    io.restart();
    io.run();
  }
  std::optional<std::string> get(const std::string& key) {
    std::optional<kv_value> r;
    store.get(key, [&](kv_value v) { r = std::move(v); });
    drain();
    REQUIRE(r);
    CHECK(r->ok);
    return r->value;
  }
  std::optional<std::string> hget(const std::string& key, const std::string& field) {
    std::optional<kv_value> r;
    store.hget(key, field, [&](kv_value v) { r = std::move(v); });
    drain();
    REQUIRE(r);
    CHECK(r->ok);
    return r->value;
  }
  bool set(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) {
    std::optional<bool> ok;
    store.set(key, value, ttl, [&](bool b) { ok = b; });
    drain();
    REQUIRE(ok);
    return *ok;
  }
  bool expire(const std::string& key, std::chrono::milliseconds ttl) {
    std::optional<bool> ok;
    store.expire(key, ttl, [&](bool b) { ok = b; });
    drain();
    REQUIRE(ok);
    return *ok;
  }
};

}  // namespace

TEST_CASE("memory kv store: callbacks run on the loop, never inside the call", "[bridge]") {
  fixture f;
  bool set_done = false, got = false;
  f.store.set("k", "v", 10s, [&](bool ok) { set_done = ok; });
  f.store.get("k", [&](kv_value v) { got = v.ok && v.value == "v"; });
  CHECK_FALSE(set_done);
  CHECK_FALSE(got);
  f.drain();
  CHECK(set_done);
  CHECK(got);                            // posted in order: the get sees the set
  f.store.set("k2", "v", 10s, nullptr);  // no callback wanted
  f.drain();
  CHECK(f.get("k2") == "v");
}

TEST_CASE("memory kv store: values expire after their TTL", "[bridge]") {
  fixture f;
  CHECK(f.set("a", "1", 2s));
  CHECK(f.set("b", "2", 5s));
  CHECK(f.get("a") == "1");
  CHECK(f.get("missing") == std::nullopt);
  f.now += 1999ms;
  CHECK(f.get("a") == "1");
  f.now += 1ms;  // exactly the TTL: gone, as in Redis
  CHECK(f.get("a") == std::nullopt);
  CHECK(f.get("b") == "2");
  // Setting again replaces the value and the TTL.
  CHECK(f.set("b", "3", 1s));
  f.now += 999ms;
  CHECK(f.get("b") == "3");
  f.now += 1ms;
  CHECK(f.get("b") == std::nullopt);
  // A TTL Redis would refuse is refused.
  CHECK_FALSE(f.set("c", "x", 0s));
  CHECK_FALSE(f.set("c", "x", -1s));
  CHECK(f.get("c") == std::nullopt);
}

TEST_CASE("memory kv store: millisecond TTLs, and expire() renews a live value", "[bridge]") {
  fixture f;
  CHECK(f.set("r", "1", 700ms));
  f.now += 699ms;
  CHECK(f.get("r") == "1");
  // Renewed from now, not from the set: a stream of renewals keeps it alive indefinitely.
  for (int i = 0; i < 5; ++i) {
    CHECK(f.expire("r", 700ms));
    f.now += 699ms;
    CHECK(f.get("r") == "1");
  }
  // Shortened too, like PEXPIRE.
  CHECK(f.expire("r", 10ms));
  f.now += 10ms;
  CHECK(f.get("r") == std::nullopt);
  // Only a live value: not a missing one, not one whose time has passed (even unpruned).
  CHECK_FALSE(f.expire("r", 1s));
  CHECK_FALSE(f.expire("never", 1s));
  CHECK(f.get("never") == std::nullopt);
  CHECK(f.set("late", "x", 5ms));
  f.now += 5ms;
  CHECK_FALSE(f.expire("late", 1s));
  CHECK(f.get("late") == std::nullopt);
  // A TTL of zero or less is refused and leaves the value alone (Redis would delete it).
  CHECK(f.set("k", "v", 1s));
  CHECK_FALSE(f.expire("k", 0ms));
  CHECK_FALSE(f.expire("k", -5ms));
  CHECK(f.get("k") == "v");
  // A renewed value is evicted by its new expiry when the store is full.
  CHECK(f.set("a", "1", 100ms));
  CHECK(f.set("b", "2", 200ms));
  CHECK(f.expire("a", 300ms));  // k (1 s), a (300 ms), b (200 ms): b now expires first
  CHECK(f.set("c", "3", 1s));   // full (max 4)
  CHECK(f.set("d", "4", 1s));   // the fifth key: b makes room
  CHECK(f.get("b") == std::nullopt);
  CHECK(f.get("a") == "1");
  CHECK(f.store.evictions() == 1);
}

TEST_CASE("memory kv store: when full, the value that expires first makes room", "[bridge]") {
  fixture f;  // max 4 entries
  CHECK(f.set("k1", "1", 40s));
  CHECK(f.set("k2", "2", 10s));  // expires first
  CHECK(f.set("k3", "3", 30s));
  CHECK(f.set("k4", "4", 20s));
  CHECK(f.set("k3", "3b", 30s));  // an existing key: nothing evicted
  CHECK(f.store.evictions() == 0);
  CHECK(f.set("k5", "5", 50s));
  CHECK(f.store.evictions() == 1);
  CHECK(f.get("k2") == std::nullopt);
  CHECK(f.get("k3") == "3b");
  CHECK(f.set("k6", "6", 50s));  // next: k4
  CHECK(f.get("k4") == std::nullopt);
  CHECK(f.get("k1") == "1");
  // Expired entries are pruned before anything is evicted.
  f.now += 45s;  // k1 and k3 have expired
  CHECK(f.set("k7", "7", 1s));
  CHECK(f.set("k8", "8", 1s));
  CHECK(f.store.evictions() == 2);
  CHECK(f.get("k5") == "5");
  CHECK(f.get("k6") == "6");
  CHECK(f.get("k7") == "7");
}

TEST_CASE("memory kv store: hashes", "[bridge]") {
  fixture f;  // max 4 fields
  f.store.hset("rt:employee:customer", "e1", "c1");
  f.store.hset("rt:employee:customer", "e2", "c2");
  f.store.hset("other", "e1", "x");
  CHECK(f.hget("rt:employee:customer", "e1") == "c1");
  CHECK(f.hget("rt:employee:customer", "e2") == "c2");
  CHECK(f.hget("rt:employee:customer", "e3") == std::nullopt);
  CHECK(f.hget("nohash", "e1") == std::nullopt);
  CHECK(f.hget("other", "e1") == "x");
  f.store.hset("rt:employee:customer", "e1", "c9");  // overwrite
  CHECK(f.hget("rt:employee:customer", "e1") == "c9");
  // Hash fields do not expire.
  f.now += 24h;
  CHECK(f.hget("rt:employee:customer", "e2") == "c2");
  // The bound: a 5th field is refused (counted), overwriting still works.
  f.store.hset("h", "f4", "4");
  f.store.hset("h", "f5", "5");
  f.drain();
  CHECK(f.store.refused_fields() == 1);
  CHECK(f.hget("h", "f5") == std::nullopt);
  f.store.hset("h", "f4", "44");
  CHECK(f.hget("h", "f4") == "44");
}

TEST_CASE("memory kv store: calls from other threads, and no callback after destruction",
          "[bridge]") {
  boost::asio::io_context io;
  auto store = std::make_unique<memory_kv_store>(io);
  std::thread writer([&] {
    for (int i = 0; i < 1000; ++i) store->hset("h", std::to_string(i), std::to_string(i * 2));
  });
  writer.join();
  std::optional<kv_value> r;
  store->hget("h", "999", [&](kv_value v) { r = std::move(v); });
  io.run();
  REQUIRE(r);
  CHECK(r->value == "1998");

  bool called = false;
  store->get("k", [&](kv_value) { called = true; });
  store.reset();
  io.restart();
  io.run();
  CHECK_FALSE(called);
}

TEST_CASE("memory kv store: a 1 s TTL on the real clock", "[bridge]") {
  boost::asio::io_context io;
  memory_kv_store store(io);
  store.set("k", "v", 1s, nullptr);
  // Polls until the value is gone (bounded), rather than sleeping a guessed time.
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::string> value = "v";
  bool first = true;
  while (value && std::chrono::steady_clock::now() - start < 3s) {
    bool answered = false;
    store.get("k", [&](kv_value v) {
      answered = true;
      value = v.value;
    });
    io.restart();
    io.run();
    REQUIRE(answered);
    if (first) CHECK(value == "v");
    first = false;
    if (value) std::this_thread::sleep_for(20ms);  // polling interval
  }
  CHECK_FALSE(value);
  CHECK(std::chrono::steady_clock::now() - start >= 900ms);
}
