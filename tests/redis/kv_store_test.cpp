// bridge::redis_kv_store against a real redis-server: SET PX / PEXPIRE / GET / HSET / HGET,
// expiry, and ok=false within the deadline when Redis is down or does not answer.
#include "bridge/redis_kv_store.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <thread>

#include "tests/redis/redis_process.hpp"

using namespace std::chrono_literals;
using txrt::bridge::kv_value;
using txrt::bridge::redis_kv_store;
using txrt::test::redis_process;
using txrt::test::run_until;

namespace {

struct fixture {
  redis_process server;
  boost::asio::io_context io;
  std::shared_ptr<txrt::bridge::redis_connection> conn;
  std::optional<redis_kv_store> store;

  explicit fixture(std::chrono::milliseconds deadline = 2s) {
    REQUIRE(server.start());
    conn = txrt::bridge::open_redis(io, server.url(), "kv");
    store.emplace(conn, deadline);
    REQUIRE(run_until(io, [&] { return conn->connected(); }));
  }
  ~fixture() { conn->close(); }

  kv_value get(const std::string& key) {
    std::optional<kv_value> r;
    store->get(key, [&](kv_value v) { r = std::move(v); });
    REQUIRE(run_until(io, [&] { return r.has_value(); }));
    return *r;
  }
  kv_value hget(const std::string& key, const std::string& field) {
    std::optional<kv_value> r;
    store->hget(key, field, [&](kv_value v) { r = std::move(v); });
    REQUIRE(run_until(io, [&] { return r.has_value(); }));
    return *r;
  }
  bool set(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) {
    std::optional<bool> ok;
    store->set(key, value, ttl, [&](bool b) { ok = b; });
    REQUIRE(run_until(io, [&] { return ok.has_value(); }));
    return *ok;
  }
  bool expire(const std::string& key, std::chrono::milliseconds ttl) {
    std::optional<bool> ok;
    store->expire(key, ttl, [&](bool b) { ok = b; });
    REQUIRE(run_until(io, [&] { return ok.has_value(); }));
    return *ok;
  }
  // PTTL in ms ("-2": no such key).
  long long pttl(const std::string& key) {
    return std::stoll(server.call({"PTTL", key}).substr(1));
  }
};

}  // namespace

TEST_CASE("redis kv store: set with a TTL, get, hset, hget", "[redis]") {
  fixture f;
  CHECK(f.set("rt:request:r1", "e1", 300s));
  CHECK(f.server.call({"TTL", "rt:request:r1"}) == ":300");
  auto v = f.get("rt:request:r1");
  CHECK(v.ok);
  CHECK(v.value == "e1");
  v = f.get("rt:request:none");
  CHECK(v.ok);
  CHECK_FALSE(v.value);

  f.store->hset("rt:employee:customer", "e1", "c1");
  v = f.hget("rt:employee:customer", "e1");  // same connection: runs after the HSET
  CHECK(v.ok);
  CHECK(v.value == "c1");
  v = f.hget("rt:employee:customer", "e9");
  CHECK(v.ok);
  CHECK_FALSE(v.value);
  CHECK(f.server.call({"HEXISTS", "rt:employee:customer", "e1"}) == ":1");

  // Errors are not "missing": a key of the wrong type, a TTL Redis refuses.
  CHECK_FALSE(f.get("rt:employee:customer").ok);
  CHECK_FALSE(f.set("k", "v", 0s));
  CHECK(f.store->hset_failures() == 0);

  // Entry points are thread-safe; callbacks run on the connection's loop.
  const auto loop_thread = std::this_thread::get_id();
  std::optional<std::thread::id> ran_on;
  std::thread caller([&] {
    f.store->get("rt:request:r1", [&](kv_value) { ran_on = std::this_thread::get_id(); });
  });
  caller.join();
  REQUIRE(run_until(f.io, [&] { return ran_on.has_value(); }));
  CHECK(*ran_on == loop_thread);
}

TEST_CASE("redis kv store: millisecond TTLs; expire() renews a live key only", "[redis]") {
  fixture f;
  CHECK(f.set("rt:request:r2", "v", 1500ms));
  auto ttl = f.pttl("rt:request:r2");
  CHECK(ttl > 1000);
  CHECK(ttl <= 1500);
  CHECK(f.expire("rt:request:r2", 300'000ms));
  ttl = f.pttl("rt:request:r2");
  CHECK(ttl > 299'000);
  CHECK(ttl <= 300'000);
  CHECK(f.get("rt:request:r2").value == "v");
  CHECK_FALSE(f.expire("rt:request:none", 1s));  // PEXPIRE answers 0
  CHECK(f.pttl("rt:request:none") == -2);
  // Zero or less is refused without a command: Redis would delete the key.
  CHECK_FALSE(f.expire("rt:request:r2", 0ms));
  CHECK(f.get("rt:request:r2").value == "v");
  // No callback wanted: pipelined with the next command, done before it.
  f.store->expire("rt:request:r2", 5000ms, nullptr);
  CHECK(f.get("rt:request:r2").value == "v");
  ttl = f.pttl("rt:request:r2");
  CHECK(ttl > 4000);
  CHECK(ttl <= 5000);
}

TEST_CASE("redis kv store: values expire", "[redis]") {
  fixture f;
  CHECK(f.set("short", "v", 1s));
  CHECK(f.get("short").value == "v");
  // Polls until Redis has expired it (bounded), rather than sleeping a guessed time.
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(run_until(
      f.io,
      [&] {
        const auto v = f.get("short");
        return v.ok && !v.value;
      },
      3s));
  CHECK(std::chrono::steady_clock::now() - start >= 500ms);
}

TEST_CASE("redis kv store: unavailable when redis is down", "[redis]") {
  fixture f(300ms);
  f.server.stop();
  REQUIRE(run_until(f.io, [&] { return !f.conn->connected(); }));
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(f.get("k").ok);
  CHECK_FALSE(f.hget("h", "f").ok);
  CHECK_FALSE(f.set("k", "v", 10s));
  CHECK_FALSE(f.expire("k", 10s));
  f.store->hset("h", "f", "v");
  REQUIRE(run_until(f.io, [&] { return f.store->hset_failures() == 1; }));
  CHECK(std::chrono::steady_clock::now() - start < 1s);  // no connection: answered at once
}

TEST_CASE("redis kv store: unavailable within the deadline when redis does not answer", "[redis]") {
  fixture f(300ms);
  f.server.pause();  // accepts nothing, answers nothing
  const auto start = std::chrono::steady_clock::now();
  std::optional<kv_value> got;
  std::optional<bool> stored;
  f.store->get("k", [&](kv_value v) { got = std::move(v); });
  f.store->set("k", "v", 10s, [&](bool ok) { stored = ok; });
  REQUIRE(run_until(
      f.io, [&] { return got.has_value() && stored.has_value(); }, 2s));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(got->ok);
  CHECK_FALSE(*stored);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 1500ms);
  f.server.resume();
}
