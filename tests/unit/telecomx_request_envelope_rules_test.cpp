// protocol/telecomx/request_envelope: the isolation rules the codec owns (SPEC §7) — request
// names that mimic CommunicatorZeroTier* by case, and sender_error, which keeps out of an
// envelope what the delivering node could not parse.
#include <catch2/catch.hpp>

#include <string>

#include "protocol/telecomx/request_envelope.hpp"

using namespace txrt::telecomx;

namespace {

client_message parse_request(std::string_view args) {
  return parse_client_message(args, message_kind::request);
}
client_message parse_reply(std::string_view args) {
  return parse_client_message(args, message_kind::reply);
}

}  // namespace

TEST_CASE("a name that differs from CommunicatorZeroTier* only by case is invalid",
          "[telecomx][request]") {
  for (const std::string_view name :
       {"communicatorZeroTier", "CommunicatorZeroTIERJoin", "COMMUNICATORZEROTIERX"}) {
    INFO(name);
    const auto args =
        R"({"to":{"employee":"e"},"request":")" + std::string(name) + R"(","requestId":"r"})";
    CHECK(parse_request(args).error ==
          "request differs from a CommunicatorZeroTier name only by case");
    CHECK_FALSE(parse_reply(args).error.empty());
  }
  for (const std::string_view name : {"CommunicatorZeroTierJoin", "communicatorZeroTie", "X"})
    CHECK(parse_request(R"({"to":{"employee":"e"},"request":")" + std::string(name) + R"("})")
              .error.empty());
}

TEST_CASE("sender_error: what the envelope carries besides the payload is UTF-8",
          "[telecomx][request]") {
  const identity who{"emp-1", "c1", access_level::manager, "", {"r\xc3\xa9"}};
  CHECK(sender_error({"emp-1", "tab-\xc3\xa9"}, who).empty());
  CHECK(sender_error({"emp-1", ""}, who).empty());
  CHECK(sender_error({"emp-1", "tab-\xc3"}, who) ==
        "the instanceId this socket authenticated with is not valid UTF-8");
  CHECK_FALSE(sender_error({"emp-1", "\xff"}, who).empty());
  identity odd = who;
  odd.organization_resellers.push_back("\xc3");
  CHECK(sender_error({"emp-1", "t"}, odd) == "the sender's identity is not valid UTF-8");
}
