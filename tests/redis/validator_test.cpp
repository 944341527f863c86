// telecomx::redis_validator and telecomx::redis_directory against a real redis-server.
#include "app/redis_directory.hpp"
#include "app/redis_validator.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <optional>
#include <thread>

#include "tests/redis/redis_process.hpp"

using namespace std::chrono_literals;
using txrt::telecomx::access_level;
using txrt::auth::auth_error;
using txrt::auth::auth_result;
using txrt::auth::chain_result;
using txrt::bridge::parse_redis_url;
using txrt::bridge::redis_connection;
using txrt::test::redis_process;
using txrt::test::run_until;

namespace {

struct fixture {
  redis_process server;
  boost::asio::io_context io;
  std::shared_ptr<redis_connection> conn;

  explicit fixture(std::chrono::milliseconds deadline = 2s) {
    REQUIRE(server.start());
    txrt::bridge::redis_options o;
    o.endpoint = *parse_redis_url(server.url());
    o.command_deadline = deadline;
    conn = redis_connection::create(io, o);
    conn->start();
    REQUIRE(run_until(io, [&] { return conn->connected(); }));
  }
  ~fixture() { conn->close(); }
};

auth_result validate(fixture& f, txrt::auth::token_validator& v, std::string token,
                     std::chrono::milliseconds limit = 3s) {
  std::optional<auth_result> out;
  v.validate({std::move(token), "10.0.0.1"}, f.io.get_executor(),
             [&](auth_result r) { out = std::move(r); });
  REQUIRE(run_until(
      f.io, [&] { return out.has_value(); }, limit));
  return *out;
}

chain_result chain(fixture& f, txrt::auth::customer_directory& d, const std::string& customer) {
  std::optional<chain_result> out;
  d.parent_chain(customer, f.io.get_executor(), [&](chain_result r) { out = std::move(r); });
  REQUIRE(run_until(f.io, [&] { return out.has_value(); }));
  return *out;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("redis validator maps sessions to identities and codes", "[redis]") {
  fixture f;
  txrt::telecomx::redis_validator v(f.conn, "rt:", 500ms);
  f.server.call({"SET", "rt:session:good",
                 R"({"employee":"e1","customer":"c1","accessLevel":"MANAGER","name":"Ann",)"
                 R"("organizationResellers":["r1",7]})"});
  f.server.call({"SET", "rt:session:numeric",
                 R"({"success":true,"employee":42,"customer":1001,"accessLevel":"RESELLER"})"});
  f.server.call({"SET", "rt:session:nologin",
                 R"({"employee":"e2","customer":"c1","accessLevel":"NO_LOGIN"})"});
  f.server.call({"SET", "rt:session:rejected", R"({"success":false,"message":"expired"})"});
  f.server.call({"SET", "rt:session:broken", "{not json"});
  f.server.call({"SET", "rt:session:partial", R"({"employee":"e3","accessLevel":"ADMIN"})"});
  f.server.call(
      {"SET", "rt:session:badlevel", R"({"employee":"e3","customer":"c","accessLevel":"GOD"})"});
  f.server.call({"HSET", "rt:session:hash", "a", "b"});

  auto r = validate(f, v, "good");
  REQUIRE(r.who);
  CHECK(r.error == auth_error::none);
  CHECK(r.who->employee == "e1");
  CHECK(r.who->customer == "c1");
  CHECK(r.who->level == access_level::manager);
  CHECK(r.who->name == "Ann");
  CHECK(r.who->organization_resellers == strings{"r1", "7"});

  r = validate(f, v, "numeric");
  REQUIRE(r.who);
  CHECK(r.who->employee == "42");
  CHECK(r.who->customer == "1001");
  CHECK(r.who->level == access_level::reseller);

  CHECK(validate(f, v, "unknown").error == auth_error::invalid_token);
  CHECK(validate(f, v, "rejected").error == auth_error::invalid_token);
  CHECK(validate(f, v, "nologin").error == auth_error::credentials_invalid);
  CHECK(validate(f, v, "").error == auth_error::credentials_invalid);
  r = validate(f, v, "broken");
  CHECK(r.error == auth_error::invalid_token);
  CHECK(r.message.find("malformed") != std::string::npos);
  CHECK_FALSE(r.who);
  CHECK(validate(f, v, "partial").error == auth_error::invalid_token);
  CHECK(validate(f, v, "badlevel").error == auth_error::invalid_token);
  CHECK(validate(f, v, "hash").error == auth_error::invalid_token);

  SECTION("redis killed: unavailable") {
    f.server.stop();
    REQUIRE(run_until(f.io, [&] { return !f.conn->connected(); }));
    CHECK(validate(f, v, "good").error == auth_error::unavailable);
  }
  SECTION("redis hung: unavailable within the deadline") {
    f.server.pause();
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(validate(f, v, "good").error == auth_error::unavailable);
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
    f.server.resume();
  }
}

TEST_CASE("redis validator completes on the caller's executor", "[redis]") {
  fixture f;
  txrt::telecomx::redis_validator v(f.conn, "rt:");
  f.server.call(
      {"SET", "rt:session:t", R"({"employee":"e","customer":"c","accessLevel":"ADMIN"})"});
  boost::asio::io_context caller;
  std::optional<auth_result> out;
  std::thread::id ran_on;
  v.validate({"t", "ip"}, caller.get_executor(), [&](auth_result r) {
    ran_on = std::this_thread::get_id();
    out = std::move(r);
  });
  // Redis loop on another thread; the caller's loop on this one.
  std::atomic<bool> finished{false};
  std::thread redis_thread([&] { run_until(f.io, [&] { return finished.load(); }); });
  const bool answered = run_until(caller, [&] { return out.has_value(); });
  finished = true;
  redis_thread.join();
  REQUIRE(answered);
  CHECK(ran_on == std::this_thread::get_id());
  CHECK(out->who->level == access_level::admin);
}

TEST_CASE("redis directory walks parent chains", "[redis]") {
  fixture f;
  txrt::telecomx::redis_directory d(f.conn, "rt:", 500ms);
  f.server.call({"HSET", "rt:customer:parent", "c3", "c2", "c2", "c1", "x", "y", "y", "x", "self",
                 "self", "empty", ""});

  auto r = chain(f, d, "c3");
  CHECK(r.ok);
  CHECK(r.parents == strings{"c2", "c1"});
  CHECK(chain(f, d, "c1").parents.empty());
  CHECK(chain(f, d, "unknown").ok);
  CHECK(chain(f, d, "x").parents == strings{"y"});  // a cycle ends the walk
  CHECK(chain(f, d, "self").parents.empty());
  CHECK(chain(f, d, "empty").parents.empty());

  SECTION("bounded at 32 hops") {
    std::vector<std::string> cmd = {"HSET", "rt:customer:parent"};
    for (int i = 0; i < 40; ++i) {
      cmd.push_back("n" + std::to_string(i));
      cmd.push_back("n" + std::to_string(i + 1));
    }
    f.server.call(cmd);
    r = chain(f, d, "n0");
    CHECK(r.ok);
    CHECK(r.parents.size() == 32);
    CHECK(r.parents.back() == "n32");
  }

  SECTION("cached until invalidated") {
    f.server.call({"HSET", "rt:customer:parent", "c3", "c9"});
    CHECK(chain(f, d, "c3").parents == strings{"c2", "c1"});
    d.invalidate("c3");
    CHECK(chain(f, d, "c3").parents == strings{"c9"});
  }

  SECTION("redis down: cached chains still answer, others are unavailable") {
    f.server.stop();
    REQUIRE(run_until(f.io, [&] { return !f.conn->connected(); }));
    CHECK(chain(f, d, "c3").parents == strings{"c2", "c1"});
    r = chain(f, d, "never-seen");
    CHECK_FALSE(r.ok);
    CHECK(r.parents.empty());
  }
}
