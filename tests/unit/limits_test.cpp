// The limiters of server/limits/: rate limits (token bucket), the per-address table and its
// memory bound, and the connection counts. Time is made up: no clock, no sleeps.
#include "server/limits/address_rate_limiter.hpp"
#include "server/limits/connection_limiter.hpp"
#include "server/limits/rate_limit.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using txrt::limits::address_rate_limiter;
using txrt::limits::admission;
using steady = txrt::limits::clock;
using txrt::limits::connection_limiter;
using txrt::limits::connection_slot;
using txrt::limits::rate_limit;
using txrt::limits::token_bucket;

namespace {
const steady::time_point t0 = steady::time_point{} + 1000h;  // well past the epoch

int takes(token_bucket& b, const rate_limit& r, steady::time_point now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += b.try_take(r, now) ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("an unlimited rate allows everything", "[limits]") {
  token_bucket b;
  CHECK(takes(b, rate_limit{}, t0, 10000) == 10000);
  CHECK(b.idle(t0));
}

TEST_CASE("a fresh bucket allows a burst of N, then one every period/N", "[limits]") {
  const rate_limit r{4, 1s};  // 4 per second: one every 250 ms
  token_bucket b;
  CHECK(takes(b, r, t0, 10) == 4);
  CHECK_FALSE(b.idle(t0));
  CHECK_FALSE(b.try_take(r, t0 + 249ms));
  CHECK(b.try_take(r, t0 + 250ms));
  CHECK_FALSE(b.try_take(r, t0 + 250ms));
  CHECK(b.try_take(r, t0 + 500ms));
  // Full again one period after the last take: idle, and a whole burst is allowed.
  CHECK_FALSE(b.idle(t0 + 1499ms));
  CHECK(b.idle(t0 + 1500ms));
  CHECK(takes(b, r, t0 + 1500ms, 10) == 4);
}

TEST_CASE("a refused action costs nothing", "[limits]") {
  const rate_limit r{1, 60s};
  token_bucket b;
  CHECK(b.try_take(r, t0));
  for (int i = 1; i < 60; ++i) CHECK_FALSE(b.try_take(r, t0 + std::chrono::seconds(i)));
  CHECK(b.try_take(r, t0 + 60s));
}

TEST_CASE("per-minute rates whose interval does not divide evenly keep their burst", "[limits]") {
  for (std::uint32_t n : {1u, 3u, 7u, 10u, 600u, 100000u}) {
    const rate_limit r{n, std::chrono::minutes(1)};
    token_bucket b;
    INFO(n);
    CHECK(takes(b, r, t0, static_cast<int>(n) + 5) == static_cast<int>(n));
    // Over a long run the rate is N per period.
    int allowed = 0;
    for (int s = 1; s <= 600; ++s) allowed += takes(b, r, t0 + std::chrono::seconds(s), 1000);
    CHECK(allowed <= static_cast<int>(n) * 10);
    CHECK(allowed >= static_cast<int>(std::min<std::uint32_t>(n, 1000)) * 10 - 1);
  }
}

TEST_CASE("the address limiter keeps one budget per address", "[limits]") {
  address_rate_limiter limiter({3, 60s}, 1000);
  for (int i = 0; i < 3; ++i) CHECK(limiter.try_take("10.0.0.1", t0));
  CHECK_FALSE(limiter.try_take("10.0.0.1", t0));
  // Other addresses are unharmed.
  for (int i = 0; i < 3; ++i) CHECK(limiter.try_take("10.0.0.2", t0));
  CHECK(limiter.try_take("::1", t0));
  CHECK(limiter.size() == 3);
  CHECK(limiter.try_take("10.0.0.1", t0 + 20s));
  CHECK_FALSE(limiter.try_take("10.0.0.1", t0 + 20s));
}

TEST_CASE("an unlimited address limiter tracks nothing", "[limits]") {
  address_rate_limiter limiter({0, 60s}, 10);
  for (int i = 0; i < 100; ++i) CHECK(limiter.try_take("a" + std::to_string(i), t0));
  CHECK(limiter.size() == 0);
}

TEST_CASE("idle addresses are forgotten", "[limits]") {
  address_rate_limiter limiter({2, 60s}, 1000, 1);
  for (int i = 0; i < 100; ++i) CHECK(limiter.try_take("10.1.0." + std::to_string(i), t0));
  CHECK(limiter.size() == 100);
  // One take of 2-per-minute is full again after 30 s: the next call sweeps every one of them.
  CHECK(limiter.try_take("10.2.0.1", t0 + 30s));
  CHECK(limiter.size() == 1);
}

TEST_CASE("the address table never grows past its bound", "[limits]") {
  const std::size_t bound = 64;
  address_rate_limiter limiter({5, 60s}, bound, 4);
  for (int i = 0; i < 10000; ++i) limiter.try_take("172.16." + std::to_string(i), t0);
  CHECK(limiter.size() <= bound);
  // The most recent addresses are still tracked, with their budget spent.
  const std::string last = "172.16.9999";
  for (int i = 0; i < 4; ++i) CHECK(limiter.try_take(last, t0));
  CHECK_FALSE(limiter.try_take(last, t0));
}

TEST_CASE("the address limiter is safe from several threads", "[limits]") {
  address_rate_limiter limiter({100, 60s}, 100000);
  std::vector<std::thread> threads;
  std::atomic<int> allowed{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (limiter.try_take("shared", t0)) allowed.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  CHECK(allowed == 100);
}

TEST_CASE("connections past the node maximum are refused until one closes", "[limits]") {
  connection_limiter limiter({3, 0});
  CHECK(limiter.try_acquire("10.0.0.1") == admission::admitted);
  CHECK(limiter.try_acquire("10.0.0.2") == admission::admitted);
  CHECK(limiter.try_acquire("") == admission::admitted);
  CHECK(limiter.try_acquire("10.0.0.3") == admission::node_full);
  CHECK(limiter.open() == 3);
  limiter.release("10.0.0.2");
  CHECK(limiter.try_acquire("10.0.0.3") == admission::admitted);
  CHECK(limiter.addresses() == 0);  // no per-address maximum: no table
}

TEST_CASE("connections past the per-address maximum are refused, others are not", "[limits]") {
  connection_limiter limiter({0, 2});
  CHECK(limiter.try_acquire("10.0.0.1") == admission::admitted);
  CHECK(limiter.try_acquire("10.0.0.1") == admission::admitted);
  CHECK(limiter.try_acquire("10.0.0.1") == admission::address_full);
  CHECK(limiter.try_acquire("10.0.0.2") == admission::admitted);
  // An empty address (a trusted proxy) is counted against the node only.
  for (int i = 0; i < 10; ++i) CHECK(limiter.try_acquire("") == admission::admitted);
  CHECK(limiter.open() == 13);
  CHECK(limiter.addresses() == 2);
  limiter.release("10.0.0.1");
  CHECK(limiter.try_acquire("10.0.0.1") == admission::admitted);
  limiter.release("10.0.0.1");
  limiter.release("10.0.0.1");
  limiter.release("10.0.0.2");
  CHECK(limiter.addresses() == 0);  // an address with no connection is forgotten
}

TEST_CASE("a refusal by address does not use a node slot", "[limits]") {
  connection_limiter limiter({2, 1});
  CHECK(limiter.try_acquire("a") == admission::admitted);
  CHECK(limiter.try_acquire("a") == admission::address_full);
  CHECK(limiter.open() == 1);
  CHECK(limiter.try_acquire("b") == admission::admitted);
  CHECK(limiter.try_acquire("c") == admission::node_full);
}

TEST_CASE("a connection slot releases once", "[limits]") {
  connection_limiter limiter({1, 1});
  {
    REQUIRE(limiter.try_acquire("a") == admission::admitted);
    connection_slot slot(limiter, "a");
    connection_slot moved = std::move(slot);
    slot.release();  // moved-from: nothing
    CHECK(limiter.open() == 1);
    moved.release();
    CHECK(limiter.open() == 0);
    REQUIRE(limiter.try_acquire("a") == admission::admitted);
    moved = connection_slot(limiter, "a");
  }
  CHECK(limiter.open() == 0);
  CHECK(limiter.addresses() == 0);
}

TEST_CASE("connection counts stay exact across threads", "[limits]") {
  connection_limiter limiter({0, 1000000});
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};  // Catch2 assertions are not for other threads
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      const std::string address = "10.0.0." + std::to_string(t % 2);
      for (int i = 0; i < 2000; ++i) {
        if (limiter.try_acquire(address) != admission::admitted) {
          refused.fetch_add(1);
          continue;
        }
        limiter.release(address);
      }
    });
  for (auto& t : threads) t.join();
  CHECK(refused == 0);
  CHECK(limiter.open() == 0);
  CHECK(limiter.addresses() == 0);
}
