// bridge::redis_command_pool and its users on two loops against a real redis-server: a command
// goes on the connection of the loop that issues it (Redis' CLIENT ID tells which) and is
// answered on that loop; a thread that runs no loop goes to the bus loop's; the kv store and the
// bus still call back on the bus loop, as their interfaces promise, whichever loop asked.
#include "bridge/redis_command_pool.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "bridge/redis_bus.hpp"
#include "bridge/redis_kv_store.hpp"
#include "tests/redis/redis_process.hpp"

using namespace std::chrono_literals;
using txrt::bridge::redis_command_pool;
using txrt::bridge::redis_connection;
using txrt::bridge::redis_reply;
using txrt::test::redis_process;
using txrt::test::run_until;

namespace {

// The bus loop runs on the test's thread (run_until); the other loop on its own thread.
struct two_loops {
  boost::asio::io_context bus;
  boost::asio::io_context other;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep{
      other.get_executor()};
  std::thread runner;

  explicit two_loops(bool run_other = true) {
    if (run_other) start_other();
  }
  void start_other() {
    runner = std::thread([this] { other.run(); });
  }
  ~two_loops() {
    keep.reset();
    other.stop();
    if (runner.joinable()) runner.join();
  }
};

// What a callback saw: the reply's integer and whether it ran on each loop.
struct seen {
  std::atomic<bool> done{false};
  std::atomic<long long> id{0};
  std::atomic<bool> on_bus{false};
  std::atomic<bool> on_other{false};
};

void record(seen& s, two_loops& loops, long long id) {
  s.on_bus = loops.bus.get_executor().running_in_this_thread();
  s.on_other = loops.other.get_executor().running_in_this_thread();
  s.id = id;
  s.done = true;
}

long long client_id(two_loops& loops, redis_command_pool& pool, bool from_other, seen& s) {
  auto ask = [&] {
    pool.command({"CLIENT", "ID"}, [&](redis_reply r) { record(s, loops, r.integer); });
  };
  if (from_other) boost::asio::post(loops.other, ask);
  else ask();  // from the test's thread outside any handler: it runs none of the loops
  REQUIRE(run_until(loops.bus, [&] { return s.done.load(); }));
  return s.id;
}

}  // namespace

TEST_CASE("redis command pool: each loop's commands on its own connection", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  two_loops loops;
  auto c0 = txrt::bridge::open_redis(loops.bus, server.url(), "commands");
  auto c1 = txrt::bridge::open_redis(loops.other, server.url(), "commands-1");
  redis_command_pool pool({c0, c1});
  REQUIRE(run_until(loops.bus, [&] { return c0->connected(); }));

  seen s0, s1;
  const long long bus_id = client_id(loops, pool, false, s0);
  const long long other_id = client_id(loops, pool, true, s1);
  CHECK(bus_id > 0);
  CHECK(other_id > 0);
  CHECK(bus_id != other_id);  // two connections
  CHECK(s0.on_bus);
  CHECK_FALSE(s0.on_other);
  CHECK(s1.on_other);  // answered where it was asked, with no hop to the bus loop
  CHECK_FALSE(s1.on_bus);

  // local(): the loop's own connection inside a handler, none outside.
  std::atomic<redis_connection*> inside{nullptr};
  std::atomic<bool> asked{false};
  boost::asio::post(loops.other, [&] {
    inside = pool.local();
    asked = true;
  });
  REQUIRE(run_until(loops.bus, [&] { return asked.load(); }));
  CHECK(inside.load() == c1.get());
  CHECK(pool.local() == nullptr);
  CHECK(pool.answers_on_bus_loop());
  pool.close();
  run_until(loops.bus, [] { return false; }, 20ms);
}

TEST_CASE("redis kv store on a pool: callbacks on the bus loop, one loop's commands in order",
          "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  two_loops loops;
  auto c0 = txrt::bridge::open_redis(loops.bus, server.url(), "commands");
  auto c1 = txrt::bridge::open_redis(loops.other, server.url(), "commands-1");
  auto pool = std::make_shared<redis_command_pool>(
      std::vector<std::shared_ptr<redis_connection>>{c0, c1});
  txrt::bridge::redis_kv_store store(pool, 2s);
  REQUIRE(run_until(loops.bus, [&] { return c0->connected(); }));

  // A SET without a callback and a GET right after it, both from the other loop: the GET sees
  // the value (one connection, in order), and its callback runs on the bus loop.
  std::atomic<bool> done{false}, on_bus{false};
  std::optional<std::string> value;
  boost::asio::post(loops.other, [&] {
    store.set("rt:k", "v1", 60s, nullptr);
    store.get("rt:k", [&](txrt::bridge::kv_value v) {
      on_bus = loops.bus.get_executor().running_in_this_thread();
      value = v.value;
      done = true;
    });
  });
  REQUIRE(run_until(loops.bus, [&] { return done.load(); }));
  CHECK(on_bus);
  CHECK(value == "v1");

  // A callback-less SET needs no hand-over, and an HSET's failure count works from any loop.
  std::atomic<bool> set_done{false};
  boost::asio::post(loops.other, [&] {
    store.hset("rt:h", "f", "x");
    store.set("rt:k2", "v2", 60s, [&](bool ok) {
      CHECK(ok);
      set_done = loops.bus.get_executor().running_in_this_thread();
    });
  });
  REQUIRE(run_until(loops.bus, [&] { return set_done.load(); }));
  CHECK(server.call({"HGET", "rt:h", "f"}) == "$1");
  CHECK(store.hset_failures() == 0);
  pool->close();
  run_until(loops.bus, [] { return false; }, 20ms);
}

TEST_CASE("redis bus with a command connection per loop: publishes from any loop", "[redis]") {
  redis_process server;
  REQUIRE(server.start());
  two_loops loops(false);
  txrt::bridge::redis_bus pooled(loops.bus,
                                 txrt::bridge::redis_target{
                                     *txrt::bridge::parse_redis_url(server.url()), {}, {}, {}},
                                 "rt:", {&loops.bus, &loops.other});
  REQUIRE(pooled.command_pool()->all().size() == 2);  // the bus loop is not counted twice

  std::atomic<int> events{0};
  bool subscribed_ready = false;  // the bus loop's own readiness, as its sink hears it
  pooled.start([&](std::string_view, std::string_view, auto) { ++events; },
               [&](bool r) { subscribed_ready = r; }, [](std::string_view, std::string_view) {});
  // Subscribed, the marker back: still not ready while the other loop's connection is not up
  // (its loop is not even running).
  REQUIRE(run_until(loops.bus, [&] { return subscribed_ready; }));
  txrt::test::run_for(loops.bus, 100ms);
  CHECK_FALSE(pooled.ready());
  loops.start_other();
  REQUIRE(run_until(loops.bus, [&] { return pooled.ready(); }));

  std::atomic<long> receivers{-2};
  std::atomic<bool> counted_on_bus{false};
  boost::asio::post(loops.other, [&] {
    pooled.publish("rt:event:PBX:c1", "{\"event\":\"one\"}");
    pooled.publish_counted("rt:event:PBX:c1", "{\"event\":\"two\"}", [&](long n) {
      counted_on_bus = loops.bus.get_executor().running_in_this_thread();
      receivers = n;
    });
  });
  REQUIRE(run_until(loops.bus, [&] { return receivers.load() != -2 && events.load() == 2; }));
  CHECK(receivers == 1);  // this bus' own subscriber
  CHECK(counted_on_bus);
  CHECK(pooled.publish_failures() == 0);

  // After stop(), the other loop's connection is closed too: its publishes go nowhere and
  // count no failure.
  pooled.stop();
  run_until(loops.bus, [] { return false; }, 50ms);
  std::atomic<bool> posted{false};
  boost::asio::post(loops.other, [&] {
    pooled.publish("rt:event:PBX:c1", "{\"event\":\"late\"}");
    posted = true;
  });
  REQUIRE(run_until(loops.bus, [&] { return posted.load(); }));
  run_until(loops.bus, [] { return false; }, 100ms);
  CHECK(events == 2);
  CHECK(pooled.publish_failures() == 0);
}
