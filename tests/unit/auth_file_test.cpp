// The file-based auth parts: loading the tokens file, the file validator's every answer, the
// file directory's chains on the demo data, and the caching decorator.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "auth/cached_validator.hpp"
#include "auth/file_directory.hpp"
#include "auth/file_store.hpp"
#include "auth/file_validator.hpp"
#include "auth/policy.hpp"
#include "protocol/iso8601.hpp"

#ifndef TXRT_SOURCE_DIR
#error "TXRT_SOURCE_DIR must name the source tree (the demo tokens file is read from it)"
#endif

using namespace txrt::auth;
using namespace std::chrono_literals;

namespace {

const std::string demo_path = std::string(TXRT_SOURCE_DIR) + "/data/demo-tokens.json";

std::shared_ptr<const file_store> demo_store() {
  auto loaded = file_store::load(demo_path);
  INFO(loaded.error);
  REQUIRE(loaded);
  return loaded.store;
}

std::shared_ptr<const file_store> parse_ok(std::string_view json) {
  auto loaded = file_store::parse(json);
  INFO(loaded.error);
  REQUIRE(loaded);
  return loaded.store;
}

std::string parse_error(std::string_view json) {
  auto loaded = file_store::parse(json);
  REQUIRE_FALSE(loaded);
  REQUIRE_FALSE(loaded.error.empty());
  return loaded.error;
}

// Runs one validation to completion, checking that it did not complete inline.
auth_result run(token_validator& v, std::string token, std::string ip = "198.51.100.1") {
  boost::asio::io_context io;
  std::optional<auth_result> out;
  v.validate(auth_request{std::move(token), std::move(ip)}, io.get_executor(),
             [&](auth_result r) { out = std::move(r); });
  REQUIRE_FALSE(out);
  io.run();
  REQUIRE(out);
  return *out;
}

chain_result chain(customer_directory& d, const std::string& customer) {
  boost::asio::io_context io;
  std::optional<chain_result> out;
  d.parent_chain(customer, io.get_executor(), [&](chain_result r) { out = std::move(r); });
  REQUIRE_FALSE(out);
  io.run();
  REQUIRE(out);
  return *out;
}

using strings = std::vector<std::string>;

}  // namespace

// --- loading ---------------------------------------------------------------------------------

TEST_CASE("file_store loads the demo file", "[auth]") {
  const auto store = demo_store();
  CHECK(store->token_count() == 13);
  CHECK(store->customer_count() == 7);
  const token_entry* org = store->find_token("demo-org-reseller");
  REQUIRE(org);
  CHECK(org->who.employee == "emp-org-reseller");
  CHECK(org->who.customer == "customer-south-1");
  CHECK(org->who.level == access_level::reseller);
  CHECK(org->who.organization_resellers == strings{"reseller-north"});
  CHECK(store->find_token("demo-bound")->ip == "203.0.113.7");
  CHECK(store->find_token("demo-expired")->expires.has_value());
  CHECK_FALSE(store->find_token("demo-invalid")->success);
  CHECK(store->find_customer("telecomx")->parent.empty());
  CHECK(store->find_customer("customer-north-1a")->name == "Customer North 1a");
  CHECK(store->find_token("nope") == nullptr);
}

TEST_CASE("file_store reads every field of a good file", "[auth]") {
  const auto store = parse_ok(R"({
    "tokens": {"t1": {"employee": "e1", "customer": "c1", "accessLevel": "MANAGER",
                      "name": "N", "organizationResellers": [], "ip": "192.0.2.1",
                      "expires": "2200-12-31T23:59:59.5+01:00", "success": true, "extra": 1},
               "t2": {"employee": "e2", "customer": "c2", "accessLevel": "PERSONAL",
                      "name": null, "ip": null}}})");
  CHECK(store->customer_count() == 0);
  const token_entry* t1 = store->find_token("t1");
  REQUIRE(t1);
  CHECK(t1->who.level == access_level::manager);
  CHECK(t1->who.name == "N");
  CHECK(t1->ip == "192.0.2.1");
  REQUIRE(t1->expires);
  CHECK(*t1->expires == txrt::protocol::parse_iso8601("2200-12-31T22:59:59.5Z"));
  const token_entry* t2 = store->find_token("t2");
  REQUIRE(t2);
  CHECK(t2->ip.empty());
  CHECK_FALSE(t2->expires);
}

TEST_CASE("file_store rejects malformed JSON and wrong shapes", "[auth]") {
  CHECK_THAT(parse_error(R"({"tokens": {)"), Catch::Contains("invalid JSON"));
  CHECK_THAT(parse_error(""), Catch::Contains("invalid JSON"));
  CHECK_THAT(parse_error("[]"), Catch::Contains("top level"));
  CHECK_THAT(parse_error(R"({"customers": {}})"), Catch::Contains("missing \"tokens\""));
  CHECK_THAT(parse_error(R"({"tokens": []})"), Catch::Contains("\"tokens\" must be an object"));
  CHECK_THAT(parse_error(R"({"tokens": {"s3cret": 5}})"), Catch::Contains("tokens[0]"));
}

TEST_CASE("file_store names the token by index, never the token", "[auth]") {
  const auto bad = [](std::string_view second) {
    return parse_error(std::string(R"({"tokens": {"good-one": {"employee": "e", "customer": "c",
      "accessLevel": "VIEWER"}, "s3cret-token": )") +
                       std::string(second) + "}}");
  };
  const auto check = [](const std::string& error, const std::string& what) {
    INFO(error);
    CHECK_THAT(error, Catch::Contains("tokens[1]") && Catch::Contains(what));
    CHECK_THAT(error, !Catch::Contains("s3cret"));
  };
  check(bad(R"({"employee": "e2", "customer": "c", "accessLevel": "BOSS"})"),
        "unknown accessLevel \"BOSS\"");
  check(bad(R"({"employee": "e2", "customer": "c", "accessLevel": 3})"), "\"accessLevel\"");
  check(bad(R"({"customer": "c", "accessLevel": "VIEWER"})"), "missing \"employee\"");
  check(bad(R"({"employee": "e2", "accessLevel": "VIEWER"})"), "missing \"customer\"");
  check(bad(R"({"employee": "e2", "customer": "c"})"), "missing \"accessLevel\"");
  check(bad(R"({"employee": "", "customer": "c", "accessLevel": "VIEWER"})"), "must not be empty");
  check(bad(R"({"employee": "e2", "customer": "c", "accessLevel": "VIEWER", "expires": "soon"})"),
        "\"expires\"");
  check(bad(R"({"employee": "e2", "customer": "c", "accessLevel": "VIEWER",
                "organizationResellers": [1]})"),
        "organizationResellers");
  check(bad(R"({"employee": "e2", "customer": "c", "accessLevel": "VIEWER", "ip": 7})"), "\"ip\"");
  check(bad(R"({"success": "no"})"), "\"success\"");
  // The employee id, once read, helps the operator find the entry.
  check(bad(R"({"employee": "e2", "customer": "c", "accessLevel": "BOSS"})"), "employee e2");
  // success:false needs nothing else.
  CHECK(parse_ok(R"({"tokens": {"x": {"success": false}}})")->find_token("x"));
  CHECK_THAT(parse_error(R"({"tokens": {"": {"success": false}}})"), Catch::Contains("tokens[0]"));
  CHECK_THAT(parse_error(R"({"tokens": {"d": {"success": false}, "d": {"success": false}}})"),
             Catch::Contains("tokens[1]") && !Catch::Contains("\"d\""));
}

TEST_CASE("file_store checks the customer tree", "[auth]") {
  const auto tree = [](std::string_view customers) {
    return std::string(R"({"tokens": {}, "customers": )") + std::string(customers) + "}";
  };
  CHECK(parse_ok(tree(R"({"a": {"parent": null}, "b": {"parent": "a"}, "c": {}})"))
            ->customer_count() == 3);
  CHECK_THAT(parse_error(tree(R"({"a": {"parent": "ghost"}})")),
             Catch::Contains("customer \"a\"") && Catch::Contains("\"ghost\""));
  CHECK_THAT(
      parse_error(tree(R"({"a": {"parent": "b"}, "b": {"parent": "c"}, "c": {"parent": "a"}})")),
      Catch::Contains("cycle"));
  CHECK_THAT(parse_error(tree(R"({"a": {"parent": "a"}})")), Catch::Contains("own parent"));
  // The grandparent is missing and its child comes later in the file (found by fuzz_payloads:
  // the walk stepped past the end of the map).
  CHECK_THAT(parse_error(tree(R"({"a": {"parent": "b"}, "b": {"parent": "ghost"}})")),
             Catch::Contains("\"ghost\""));
  CHECK_THAT(parse_error(tree(R"({"a": {"parent": 1}})")), Catch::Contains("customer \"a\""));
  CHECK_THAT(parse_error(tree(R"({"a": {"name": 1}})")), Catch::Contains("\"name\""));
  CHECK_THAT(parse_error(tree(R"({"a": "b"})")), Catch::Contains("customer \"a\""));
  CHECK_THAT(parse_error(tree(R"([])")), Catch::Contains("\"customers\" must be an object"));
}

TEST_CASE("file_store::load names the path it cannot read", "[auth]") {
  const auto loaded = file_store::load("/nonexistent/txrt-tokens.json");
  CHECK_FALSE(loaded);
  CHECK_THAT(loaded.error, Catch::Contains("/nonexistent/txrt-tokens.json"));
}

// --- the file validator ----------------------------------------------------------------------

TEST_CASE("file_validator answers every code", "[auth]") {
  file_validator v(demo_store());

  const auth_result admin = run(v, "demo-admin");
  CHECK(admin.error == auth_error::none);
  REQUIRE(admin.who);
  CHECK(admin.who->employee == "emp-admin");
  CHECK(admin.who->customer == "telecomx");
  CHECK(admin.who->level == access_level::admin);
  CHECK(admin.who->name == "Ada Admin");

  const auto error_of = [&](std::string token, std::string ip = "198.51.100.1") {
    const auth_result r = run(v, token, ip);
    CHECK_FALSE(r.who);
    CHECK_FALSE(r.message.empty());
    if (!token.empty()) CHECK_THAT(r.message, !Catch::Contains(token));
    return r.error;
  };
  CHECK(error_of("no-such-token") == auth_error::invalid_token);
  CHECK(error_of("demo-invalid") == auth_error::invalid_token);
  CHECK(error_of("demo-bound", "198.51.100.1") == auth_error::invalid_token);
  CHECK(error_of("demo-bound", "") == auth_error::invalid_token);
  CHECK(error_of("demo-expired") == auth_error::expired);
  CHECK(error_of("demo-nologin") == auth_error::credentials_invalid);
  CHECK(error_of("") == auth_error::credentials_invalid);

  CHECK(run(v, "demo-bound", "203.0.113.7").error == auth_error::none);
  CHECK(run(v, "demo-bound", "::ffff:203.0.113.7").error == auth_error::none);
  CHECK(run(v, "demo-viewer").who->level == access_level::viewer);
}

TEST_CASE("file_validator: a future expiry is fine, a bound + expired token is invalid first",
          "[auth]") {
  file_validator v(parse_ok(R"({"tokens": {
    "later": {"employee": "e", "customer": "c", "accessLevel": "OWNER",
              "expires": "2999-01-01T00:00:00Z"},
    "both": {"employee": "e", "customer": "c", "accessLevel": "OWNER",
             "expires": "2000-01-01T00:00:00Z", "ip": "192.0.2.9"}}})"));
  CHECK(run(v, "later").error == auth_error::none);
  // Another address learns nothing about the token, not even that it expired.
  CHECK(run(v, "both", "192.0.2.1").error == auth_error::invalid_token);
  CHECK(run(v, "both", "192.0.2.9").error == auth_error::expired);
}

TEST_CASE("file_validator::replace swaps the file", "[auth]") {
  file_validator v(demo_store());
  CHECK(run(v, "demo-admin").error == auth_error::none);
  v.replace(parse_ok(R"({"tokens": {"fresh": {"employee": "e", "customer": "c",
                                              "accessLevel": "VIEWER"}}})"));
  CHECK(run(v, "demo-admin").error == auth_error::invalid_token);
  CHECK(run(v, "fresh").error == auth_error::none);
  v.replace(nullptr);
  CHECK(run(v, "fresh").error == auth_error::unavailable);
}

// --- the file directory ----------------------------------------------------------------------

TEST_CASE("file_directory walks the demo tree", "[auth]") {
  file_directory d(demo_store());
  const auto parents = [&](const std::string& c) {
    const chain_result r = chain(d, c);
    CHECK(r.ok);
    return r.parents;
  };
  CHECK(parents("telecomx").empty());
  CHECK(parents("reseller-north") == strings{"telecomx"});
  CHECK(parents("customer-north-2") == strings{"reseller-north", "telecomx"});
  CHECK(parents("customer-north-1a") ==
        strings{"subreseller-north-1", "reseller-north", "telecomx"});
  CHECK(parents("customer-south-1") == strings{"reseller-south", "telecomx"});
  CHECK(parents("unknown-customer").empty());
  d.invalidate("customer-north-2");  // a no-op: the file is authoritative
  CHECK(parents("customer-north-2") == strings{"reseller-north", "telecomx"});
}

TEST_CASE("the demo identities reach what data/README.md says", "[auth]") {
  const auto store = demo_store();
  const auto reach = [&](const char* token, const char* customer) {
    return may_access_customer(store->find_token(token)->who, customer,
                               store->parent_chain(customer));
  };
  CHECK(reach("demo-reseller", "customer-north-1a"));
  CHECK(reach("demo-reseller", "customer-north-2"));
  CHECK_FALSE(reach("demo-reseller", "customer-south-1"));
  CHECK(reach("demo-subreseller", "customer-north-1a"));
  CHECK_FALSE(reach("demo-subreseller", "customer-north-2"));
  CHECK(reach("demo-org-reseller", "customer-south-1"));
  CHECK(reach("demo-org-reseller", "customer-north-1a"));
  CHECK(reach("demo-org-reseller", "customer-north-2"));
  CHECK_FALSE(reach("demo-org-reseller", "reseller-south"));
  CHECK(reach("demo-reseller-admin", "customer-north-2"));
  CHECK(reach("demo-viewer", "customer-north-2"));
  CHECK_FALSE(reach("demo-viewer", "customer-north-1a"));
}

TEST_CASE("file_directory bounds a long chain and answers unavailable without a file", "[auth]") {
  std::string customers = R"({"c0": {"parent": null})";
  for (int i = 1; i <= 40; ++i) {
    customers +=
        ", \"c" + std::to_string(i) + "\": {\"parent\": \"c" + std::to_string(i - 1) + "\"}";
  }
  file_directory d(parse_ok(R"({"tokens": {}, "customers": )" + customers + "}}"));
  const chain_result r = chain(d, "c40");
  CHECK(r.ok);
  REQUIRE(r.parents.size() == max_parent_chain);
  CHECK(r.parents.front() == "c39");
  CHECK(r.parents.back() == "c8");
  d.replace(nullptr);
  CHECK_FALSE(chain(d, "c40").ok);
}
