// protocol/telecomx/control_message: the <prefix>control channel's revoke command and every way
// a message can fail to be one.
#include "protocol/telecomx/control_message.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace txrt::telecomx;

TEST_CASE("control_message reads a revoke by employee, by token, or both", "[telecomx]") {
  const auto by_employee = parse_control_message(R"({"revoke":{"employee":"emp-1"}})");
  CHECK(by_employee.status == control_status::revoke);
  CHECK(by_employee.employee == "emp-1");
  CHECK_FALSE(by_employee.token);

  const auto by_token = parse_control_message(R"({"revoke":{"token":"t\"ok"},"other":1})");
  CHECK(by_token.status == control_status::revoke);
  CHECK_FALSE(by_token.employee);
  CHECK(by_token.token == "t\"ok");

  const auto both = parse_control_message(R"({"revoke":{"token":"t","employee":"e"}})");
  CHECK(both.status == control_status::revoke);
  CHECK(both.employee == "e");
  CHECK(both.token == "t");

  // An empty string is still a string: it is passed on as sent.
  const auto empty = parse_control_message(R"({"revoke":{"employee":""}})");
  CHECK(empty.status == control_status::revoke);
  CHECK(empty.employee == "");
}

TEST_CASE("control_message: a revoke that names nobody", "[telecomx]") {
  for (const char* payload : {R"({"revoke":{}})", R"({"revoke":{"employee":7}})",
                              R"({"revoke":{"token":null,"employee":["e"]}})"}) {
    INFO(payload);
    const auto m = parse_control_message(payload);
    CHECK(m.status == control_status::names_nothing);
    CHECK_FALSE(m.employee);
    CHECK_FALSE(m.token);
  }
  // A non-string member does not hide the other one.
  const auto m = parse_control_message(R"({"revoke":{"employee":7,"token":"t"}})");
  CHECK(m.status == control_status::revoke);
  CHECK_FALSE(m.employee);
  CHECK(m.token == "t");
}

TEST_CASE("control_message: not a revoke", "[telecomx]") {
  for (const char* payload : {"", "revoke", "[]", R"([{"revoke":{"employee":"e"}}])", "{}",
                              R"({"revoke":"e"})", R"({"revoke":null})", R"({"revoke":["e"]})",
                              R"({"Revoke":{"employee":"e"}})", R"({"revoke":{"employee":"e"})"}) {
    INFO(payload);
    const auto m = parse_control_message(payload);
    CHECK(m.status == control_status::not_revoke);
    CHECK_FALSE(m.employee);
    CHECK_FALSE(m.token);
  }
}
