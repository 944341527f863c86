// The identity document's expiry (SPEC §12): `exp` (seconds since the epoch) or `expires`
// (ISO-8601) set identity::expires; a present one of the wrong form is malformed.
#include <catch2/catch.hpp>

#include <chrono>

#include "protocol/telecomx/identity_document.hpp"

using namespace txrt::telecomx;
using std::chrono::system_clock;

namespace {
constexpr const char* base = R"({"employee":"e","customer":"c","accessLevel":"OWNER")";
identity_document doc(const std::string& extra) {
  return parse_identity_json(std::string(base) + extra + "}");
}
}  // namespace

TEST_CASE("identity document: no exp nor expires never expires", "[telecomx][identity]") {
  auto d = doc("");
  REQUIRE(d.status == identity_status::ok);
  CHECK(!d.who.expires);
  CHECK(doc(R"(,"exp":null)").who.expires == std::nullopt);
}

TEST_CASE("identity document: exp in seconds since the epoch", "[telecomx][identity]") {
  auto d = doc(R"(,"exp":1800000000)");
  REQUIRE(d.status == identity_status::ok);
  REQUIRE(d.who.expires);
  CHECK(
      std::chrono::duration_cast<std::chrono::seconds>(d.who.expires->time_since_epoch()).count() ==
      1800000000);
  CHECK(doc(R"(,"exp":1800000000.5)").who.expires > d.who.expires);
}

TEST_CASE("identity document: expires in ISO-8601", "[telecomx][identity]") {
  auto d = doc(R"(,"expires":"2027-01-15T08:00:00Z")");
  REQUIRE(d.status == identity_status::ok);
  REQUIRE(d.who.expires);
  CHECK(
      std::chrono::duration_cast<std::chrono::seconds>(d.who.expires->time_since_epoch()).count() ==
      1800000000);
}

TEST_CASE("identity document: a bad exp or expires is malformed", "[telecomx][identity]") {
  CHECK(doc(R"(,"exp":"soon")").status == identity_status::malformed);
  CHECK(doc(R"(,"exp":-5)").status == identity_status::malformed);
  CHECK(doc(R"(,"expires":"tomorrow")").status == identity_status::malformed);
  CHECK(doc(R"(,"expires":12)").status == identity_status::malformed);
}
