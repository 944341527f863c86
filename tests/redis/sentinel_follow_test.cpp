// redis_connection as Sentinel mode drives it, against real redis-servers (no sentinel: the
// test's own locate function plays the sentinels): a replica is refused by the ROLE check, and
// a write refused with READONLY (the master was demoted under a live connection) is retried
// once on the new master.
#include "bridge/redis_connection.hpp"

#include <catch2/catch.hpp>

#include <optional>

#include "tests/redis/redis_process.hpp"

using namespace std::chrono_literals;
using txrt::bridge::locate_callback;
using txrt::bridge::redis_connection;
using txrt::bridge::redis_endpoint;
using txrt::bridge::redis_options;
using txrt::bridge::redis_reply;
using txrt::test::redis_process;
using txrt::test::run_until;

namespace {

redis_endpoint at(const redis_process& server) {
  redis_endpoint ep;
  ep.port = server.port();
  return ep;
}

// A master connection whose locate answers `*where` (the "sentinels' answer"), counting asks.
redis_options following(const redis_endpoint* where, int* asked) {
  redis_options o;
  o.name = "follow";
  o.require_master = true;
  o.backoff_max = 200ms;
  o.locate = [where, asked](locate_callback done) {
    ++*asked;
    done(*where, {});
  };
  return o;
}

}  // namespace

TEST_CASE("a replica fails the ROLE check; the master passes it", "[redis][sentinel]") {
  redis_process master, replica;
  REQUIRE(master.start());
  REQUIRE(replica.start());
  REQUIRE(replica.call({"REPLICAOF", "127.0.0.1", std::to_string(master.port())}) == "+OK");
  boost::asio::io_context io;
  redis_endpoint where = at(replica);
  int asked = 0;
  auto conn = redis_connection::create(io, following(&where, &asked));
  conn->start();
  // Asked, connected to the replica, refused it, asked again: never connected().
  REQUIRE(run_until(io, [&] { return asked >= 3; }));
  CHECK_FALSE(conn->connected());
  where = at(master);
  REQUIRE(run_until(io, [&] { return conn->connected(); }));
  CHECK(conn->endpoint().port == master.port());
  std::optional<redis_reply> set;
  conn->command({"SET", "k", "v"}, [&](redis_reply r) { set = r; });
  REQUIRE(run_until(io, [&] { return set.has_value(); }));
  CHECK(set->str == "OK");
  conn->close();
}

TEST_CASE("a write refused with READONLY is retried once on the new master", "[redis][sentinel]") {
  redis_process first, second;
  REQUIRE(first.start());
  REQUIRE(second.start());
  boost::asio::io_context io;
  redis_endpoint where = at(first);
  int asked = 0;
  auto conn = redis_connection::create(io, following(&where, &asked));
  conn->start();
  REQUIRE(run_until(io, [&] { return conn->connected(); }));
  // The failover: `second` is the master now, `first` a replica of it, while we are connected.
  REQUIRE(first.call({"REPLICAOF", "127.0.0.1", std::to_string(second.port())}) == "+OK");
  where = at(second);
  std::optional<redis_reply> set;
  conn->command({"SET", "moved", "yes"}, [&](redis_reply r) { set = r; }, 3s);
  REQUIRE(run_until(io, [&] { return set.has_value(); }));
  CHECK(set->type == redis_reply::kind::status);
  CHECK(set->str == "OK");
  CHECK(conn->endpoint().port == second.port());
  CHECK(second.call({"GET", "moved"}) == "$3");
  // Without a master to go to, the retried command ends `unavailable` at its deadline.
  REQUIRE(second.call({"REPLICAOF", "127.0.0.1", std::to_string(first.port())}) == "+OK");
  std::optional<redis_reply> stuck;
  conn->command({"SET", "nowhere", "x"}, [&](redis_reply r) { stuck = r; }, 800ms);
  REQUIRE(run_until(io, [&] { return stuck.has_value(); }, 3000ms));
  CHECK(stuck->type == redis_reply::kind::unavailable);
  conn->close();
}
