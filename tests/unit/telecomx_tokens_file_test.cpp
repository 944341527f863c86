// protocol/telecomx/tokens_file: the plain values a good file yields (file order, every field),
// and which fault a file with several is reported for: the first in file order, customers and
// their tree before tokens. The messages themselves are covered through auth::file_store in
// auth_file_test.cpp.
#include "protocol/telecomx/tokens_file.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "protocol/iso8601.hpp"

using namespace txrt::telecomx;

namespace {

tokens_file parsed(std::string_view json) {
  auto p = parse_tokens_file(json);
  INFO(p.error);
  REQUIRE(p.value);
  CHECK(p.error.empty());
  return std::move(*p.value);
}

std::string error_of(std::string_view json) {
  auto p = parse_tokens_file(json);
  REQUIRE_FALSE(p.value);
  REQUIRE_FALSE(p.error.empty());
  return p.error;
}

}  // namespace

TEST_CASE("tokens_file yields the customers in file order", "[telecomx]") {
  const auto f = parsed(R"({
    "customers": {"z": {"name": "Zed", "parent": null}, "a": {"parent": "z"}, "m": {}},
    "tokens": {}})");
  REQUIRE(f.customers.size() == 3);
  CHECK(f.customers[0].id == "z");
  CHECK(f.customers[0].name == "Zed");
  CHECK(f.customers[0].parent.empty());
  CHECK(f.customers[1].id == "a");
  CHECK(f.customers[1].parent == "z");
  CHECK(f.customers[2].id == "m");
  CHECK(f.customers[2].name.empty());
  // A token's value must be an object (null is not "absent" here: the token is the key).
  CHECK(error_of(R"({"tokens": {"x": null}})") == "tokens[0]: must be an object");
}

TEST_CASE("tokens_file reads every token field", "[telecomx]") {
  const auto f = parsed(R"({
    "tokens": {"t2": {"employee": "e2", "customer": "a", "accessLevel": "RESELLER",
                      "organizationResellers": ["z"], "ip": "192.0.2.1", "name": "N",
                      "expires": "2030-01-31T12:00:00Z", "unknown": [1]},
               "t1": {"success": false}}})");
  REQUIRE(f.tokens.size() == 2);
  const auto& t2 = f.tokens[0];
  CHECK(t2.token == "t2");
  CHECK(t2.success);
  CHECK(t2.who.employee == "e2");
  CHECK(t2.who.customer == "a");
  CHECK(t2.who.level == access_level::reseller);
  CHECK(t2.who.name == "N");
  CHECK(t2.who.organization_resellers == std::vector<std::string>{"z"});
  CHECK(t2.ip == "192.0.2.1");
  CHECK(t2.expires == txrt::protocol::parse_iso8601("2030-01-31T12:00:00Z"));
  const auto& t1 = f.tokens[1];
  CHECK(t1.token == "t1");
  CHECK_FALSE(t1.success);
  CHECK(t1.who.employee.empty());
  CHECK_FALSE(t1.expires);
}

TEST_CASE("tokens_file reports the first fault in file order", "[telecomx]") {
  // A customer listed twice before a later malformed one.
  CHECK(error_of(R"({"tokens": {}, "customers": {"a": {}, "a": {}, "b": {"name": 1}}})") ==
        "customer \"a\": listed twice");
  CHECK(error_of(R"({"tokens": {}, "customers": {"b": {"name": 1}, "a": {}, "a": {}}})") ==
        "customer \"b\": \"name\" must be a string");
  // The customer tree is checked before the tokens, even when "tokens" is missing.
  CHECK(error_of(R"({"customers": {"a": {"parent": "ghost"}}})") ==
        "customer \"a\": parent \"ghost\" is not in \"customers\"");
  CHECK(error_of(R"({"customers": {"a": {"parent": "b"}, "b": {"parent": "a"}},
                     "tokens": {"t": {"success": 1}}})") ==
        "customer \"a\": its parent chain has a cycle");
  // A repeated token before a later malformed entry; the token is never named.
  CHECK(error_of(R"({"tokens": {"dup": {"success": false}, "dup": {"success": false},
                                "x": {"success": 1}}})") ==
        "tokens[1]: the same token appears earlier in the file");
  CHECK(error_of(R"({"tokens": {"dup": {"success": false}, "x": {"success": 1},
                                "dup": {"success": false}}})") ==
        "tokens[1]: \"success\" must be true or false");
  CHECK(error_of(R"({"tokens": {"s3cret": {"employee": "e9", "customer": "c",
                                           "accessLevel": "VIEWER", "expires": "soon"}}})") ==
        "tokens[0] (employee e9): \"expires\" is not an ISO-8601 time with a zone (\"soon\")");
}

TEST_CASE("tokens_file rejects what is not a document", "[telecomx]") {
  CHECK_THAT(error_of(""), Catch::StartsWith("invalid JSON: "));
  CHECK_THAT(error_of("{\"tokens\": {}} x"), Catch::StartsWith("invalid JSON: "));
  CHECK(error_of("[]") == "the top level must be an object");
  CHECK(error_of("{}") == "missing \"tokens\"");
  CHECK(error_of(R"({"tokens": null})") == "\"tokens\" must be an object");
  CHECK(error_of(R"({"tokens": {}, "customers": 1})") == "\"customers\" must be an object");
  CHECK(error_of(R"({"tokens": {}, "customers": {"": {}}})") ==
        "customers: a customer id is empty");
  // "customers": null is the same as absent.
  CHECK(parsed(R"({"tokens": {}, "customers": null})").customers.empty());
}
