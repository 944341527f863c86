// cached_validator over a stub validator that counts backend calls: hits, TTL expiry, what is
// never cached, the size bound, and revocation (forget_employee, forget_token, clear).
#include "auth/cached_validator.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

using namespace txrt::auth;
using namespace std::chrono_literals;

namespace {

// The backend double: answers "emp-<token>" for every token unless told otherwise, and posts
// its answer like a real validator.
struct stub_validator final : token_validator {
  int calls = 0;
  std::function<auth_result(const auth_request&)> answer = [](const auth_request& r) {
    identity who;
    who.employee = "emp-" + r.token;
    who.customer = "c1";
    who.level = access_level::viewer;
    return auth_result{std::make_shared<const identity>(std::move(who)), auth_error::none, {}};
  };
  void validate(const auth_request& request, boost::asio::any_io_executor caller,
                auth_callback done) override {
    ++calls;
    boost::asio::post(caller, [done = std::move(done), r = answer(request)] { done(r); });
  }
};

struct fixture {
  std::shared_ptr<stub_validator> stub = std::make_shared<stub_validator>();

  auth_result run(token_validator& v, std::string token, std::string ip = "192.0.2.1") {
    boost::asio::io_context io;
    std::optional<auth_result> out;
    v.validate(auth_request{std::move(token), std::move(ip)}, io.get_executor(),
               [&](auth_result r) { out = std::move(r); });
    REQUIRE_FALSE(out);  // never inline, not even on a hit
    io.run();
    REQUIRE(out);
    return *out;
  }
};

auth_result failing(auth_error e) {
  return auth_result{nullptr, e, "no"};
}

}  // namespace

TEST_CASE_METHOD(fixture, "cache: a repeated token and ip is a hit", "[auth]") {
  cached_validator cache(stub, 1min, 16);
  const auth_result first = run(cache, "t1");
  const auth_result second = run(cache, "t1");
  CHECK(stub->calls == 1);
  REQUIRE(second.who);
  CHECK(second.who->employee == first.who->employee);
  CHECK(cache.size() == 1);
  // The key covers the ip: the same token from elsewhere asks the backend again.
  run(cache, "t1", "192.0.2.2");
  CHECK(stub->calls == 2);
  // And the separator keeps ("ab", "c") apart from ("a", "bc").
  run(cache, "ab", "c");
  run(cache, "a", "bc");
  CHECK(stub->calls == 4);
}

TEST_CASE_METHOD(fixture, "cache: entries expire after the TTL", "[auth]") {
  cached_validator cache(stub, 30ms, 16);
  run(cache, "t1");
  run(cache, "t1");
  CHECK(stub->calls == 1);
  std::this_thread::sleep_for(60ms);
  run(cache, "t1");
  CHECK(stub->calls == 2);
}

TEST_CASE_METHOD(fixture, "cache: invalid_token and expired are cached, the rest never", "[auth]") {
  cached_validator cache(stub, 1min, 16);
  for (const auto e : {auth_error::invalid_token, auth_error::expired}) {
    stub->answer = [e](const auth_request&) { return failing(e); };
    stub->calls = 0;
    const std::string token = "tok-" + std::string(to_code(e));
    CHECK(run(cache, token).error == e);
    CHECK(run(cache, token).error == e);
    CHECK(stub->calls == 1);
  }
  for (const auto e :
       {auth_error::unavailable, auth_error::credentials_invalid, auth_error::revoked}) {
    stub->answer = [e](const auth_request&) { return failing(e); };
    stub->calls = 0;
    const std::string token = "tok-" + std::string(to_code(e));
    CHECK(run(cache, token).error == e);
    CHECK(run(cache, token).error == e);
    CHECK(stub->calls == 2);
  }
  // Once the backend is back, the next call succeeds and that is cached.
  stub->answer = stub_validator{}.answer;
  CHECK(run(cache, "tok-unavailable").error == auth_error::none);
  CHECK(run(cache, "tok-unavailable").error == auth_error::none);
  CHECK(stub->calls == 3);
}

TEST_CASE_METHOD(fixture, "cache: bounded, the oldest entry goes first", "[auth]") {
  cached_validator cache(stub, 1min, 2);
  run(cache, "a");
  run(cache, "b");
  run(cache, "c");  // evicts "a"
  CHECK(cache.size() == 2);
  CHECK(stub->calls == 3);
  run(cache, "c");
  run(cache, "b");
  CHECK(stub->calls == 3);
  run(cache, "a");
  CHECK(stub->calls == 4);
  CHECK(cache.size() == 2);

  cached_validator off(stub, 1min, 0);
  run(off, "a");
  run(off, "a");
  CHECK(stub->calls == 6);
  CHECK(off.size() == 0);
}

TEST_CASE_METHOD(fixture, "cache: forget_employee, forget_token and clear", "[auth]") {
  cached_validator cache(stub, 1min, 16);
  run(cache, "a");
  run(cache, "a", "192.0.2.9");
  run(cache, "b");
  CHECK(stub->calls == 3);

  cache.forget_employee("emp-a");
  CHECK(cache.size() == 1);
  run(cache, "b");
  CHECK(stub->calls == 3);
  run(cache, "a");
  CHECK(stub->calls == 4);

  run(cache, "a", "192.0.2.9");
  CHECK(stub->calls == 5);
  cache.forget_token("a");  // every ip
  CHECK(cache.size() == 1);
  run(cache, "b");
  CHECK(stub->calls == 5);

  cache.clear();
  CHECK(cache.size() == 0);
  run(cache, "b");
  CHECK(stub->calls == 6);
}

TEST_CASE_METHOD(fixture, "cache: an answer in flight during a revocation is not cached",
                 "[auth]") {
  cached_validator cache(stub, 1min, 16);
  boost::asio::io_context io;
  std::optional<auth_result> out;
  cache.validate(auth_request{"a", "192.0.2.1"}, io.get_executor(),
                 [&](auth_result r) { out = std::move(r); });
  cache.forget_employee("emp-a");  // arrives while the backend is answering
  io.run();
  REQUIRE(out);
  CHECK(out->error == auth_error::none);  // the caller still gets its answer...
  CHECK(cache.size() == 0);               // ...but a later call asks the backend again
}

TEST_CASE_METHOD(fixture, "cache: the decorator may go away while the backend answers", "[auth]") {
  auto cache = std::make_unique<cached_validator>(stub, 1min, 16);
  boost::asio::io_context io;
  std::optional<auth_result> out;
  cache->validate(auth_request{"a", "192.0.2.1"}, io.get_executor(),
                  [&](auth_result r) { out = std::move(r); });
  cache.reset();
  io.run();
  REQUIRE(out);
  CHECK(out->who->employee == "emp-a");
}
