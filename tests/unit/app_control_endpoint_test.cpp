// POST /control (app/control_endpoint): the secret gate, the control-message codec's verdict,
// the body bound, and that only an accepted body reaches <prefix>control, byte for byte.
#include <catch2/catch.hpp>

#include "app/control_endpoint.hpp"
#include "tests/doubles/fake_bus.hpp"

namespace {

using txrt::telecomx::make_control_handler;
namespace http = txrt::http;

http::request post(std::string body, std::string_view bearer = "Bearer s3cret") {
  http::request req{http::beast_http::verb::post, "/control", 11};
  if (!bearer.empty()) req.set(http::beast_http::field::authorization, bearer);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

}  // namespace

TEST_CASE("POST /control publishes an accepted revoke on <prefix>control unchanged",
          "[control-endpoint]") {
  txrt::test::fake_bus bus;
  auto handler = make_control_handler("s3cret", "rt:", bus);
  for (const std::string body :
       {R"({ "revoke": {"employee":"e1"} })", R"({"revoke":{"token":"t"}})",
        R"({"revoke":{"employee":"e","token":"t"},"x":1})"}) {
    auto res = handler(post(body));
    CHECK(res.result_int() == 202);
    REQUIRE(!bus.published.empty());
    CHECK(bus.published.back().channel == "rt:control");
    CHECK(bus.published.back().payload == body);
  }
  CHECK(bus.published.size() == 3);
}

TEST_CASE("POST /control refuses without publishing", "[control-endpoint]") {
  txrt::test::fake_bus bus;
  auto handler = make_control_handler("s3cret", "rt:", bus);
  const std::string revoke = R"({"revoke":{"employee":"e1"}})";
  CHECK(handler(post(revoke, "")).result_int() == 401);
  CHECK(handler(post(revoke, "Bearer wrong")).result_int() == 401);
  CHECK(handler(post(revoke, "s3cret")).result_int() == 401);
  for (const std::string body :
       {"", "not json", "[]", R"({"revoke":"e1"})", R"({"revoke":{}})",
        R"({"revoke":{"employee":5,"token":null}})", R"({"employee":"e"})"}) {
    auto res = handler(post(body));
    CHECK(res.result_int() == 400);
    CHECK(res.body().find("\"code\":\"invalid\"") != std::string::npos);
  }
  CHECK(handler(post(R"({"revoke":{"employee":"e1"},"pad":")" +
                     std::string(txrt::telecomx::max_control_body, 'x') + "\"}"))
            .result_int() == 413);
  auto get = post(revoke);
  get.method(http::beast_http::verb::get);
  CHECK(handler(get).result_int() == 405);
  bus.is_ready = false;
  CHECK(handler(post(revoke)).result_int() == 503);
  CHECK(bus.published.empty());
}

TEST_CASE("POST /control without a publish secret is 404", "[control-endpoint]") {
  txrt::test::fake_bus bus;
  auto handler = make_control_handler("", "rt:", bus);
  CHECK(handler(post(R"({"revoke":{"employee":"e1"}})", "Bearer ")).result_int() == 404);
  CHECK(bus.published.empty());
}
