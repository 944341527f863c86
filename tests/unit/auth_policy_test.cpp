// The access policy (SPEC §4, §5) as a table: every level x every subscription type x five kinds
// of target customer, with the expected decision written out by hand rather than derived.
#include "auth/policy.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include "auth/validator.hpp"

using txrt::telecomx::access_level;
using txrt::telecomx::identity;
using txrt::auth::may_access_customer;
using txrt::auth::may_subscribe;
using txrt::auth::needs_parent_chain;
using txrt::auth::subscribe_decision;
using txrt::telecomx::subscription;
using txrt::telecomx::subscription_type;

namespace {

// The tree every row runs against. The identity's own customer is "own", a reseller-like
// customer with descendants; it also lists "org-reseller" as an organization reseller.
//   top ── own ── own-sub ── own-sub-sub
//       ├─ foreign-reseller ── foreign
//       └─ org-reseller ── org-customer
enum class target { own, sub, sub_sub, foreign, via_org };

struct target_data {
  const char* customer;
  std::vector<std::string> chain;
};

target_data data_for(target t) {
  switch (t) {
    case target::own:
      return {"own", {"top"}};
    case target::sub:
      return {"own-sub", {"own", "top"}};
    case target::sub_sub:
      return {"own-sub-sub", {"own-sub", "own", "top"}};
    case target::foreign:
      return {"foreign", {"foreign-reseller", "top"}};
    case target::via_org:
      return {"org-customer", {"org-reseller", "top"}};
  }
  return {"", {}};
}

// Column order of the expectation strings.
constexpr std::array<subscription_type, 11> types = {
    subscription_type::admin,
    subscription_type::admin_config,
    subscription_type::admin_call,
    subscription_type::admin_register,
    subscription_type::admin_pbx,
    subscription_type::admin_realtime,
    subscription_type::pbx,
    subscription_type::config,
    subscription_type::config_not_iptv,
    subscription_type::reg,
    subscription_type::call,
};
constexpr std::array<const char*, 11> type_names = {
    "ADMIN", "ADMIN:CONFIG", "ADMIN:CALL",      "ADMIN:REGISTER", "ADMIN:PBX", "ADMIN:REALTIME",
    "PBX",   "CONFIG",       "CONFIG-NOT-IPTV", "REGISTER",       "CALL",
};

bool is_admin_column(std::size_t i) {
  return i < 6;
}

struct row {
  access_level level;
  target where;
  // 'y' allowed, '.' denied; columns as in `types`: 6 ADMIN types, a space, 5 customer types
  //   ADMIN A:CONFIG A:CALL A:REGISTER A:PBX A:REALTIME | PBX CONFIG CONFIG-NOT-IPTV REGISTER CALL
  const char* expected;
};

using L = access_level;
using T = target;

// clang-format off
const row table[] = {
    {L::no_login,       T::own,     "...... ....."},
    {L::no_login,       T::sub,     "...... ....."},
    {L::no_login,       T::sub_sub, "...... ....."},
    {L::no_login,       T::foreign, "...... ....."},
    {L::no_login,       T::via_org, "...... ....."},

    {L::personal,       T::own,     "...... yyy.."},
    {L::personal,       T::sub,     "...... ....."},
    {L::personal,       T::sub_sub, "...... ....."},
    {L::personal,       T::foreign, "...... ....."},
    {L::personal,       T::via_org, "...... ....."},

    {L::viewer,         T::own,     "...... yyyyy"},
    {L::viewer,         T::sub,     "...... ....."},
    {L::viewer,         T::sub_sub, "...... ....."},
    {L::viewer,         T::foreign, "...... ....."},
    {L::viewer,         T::via_org, "...... ....."},

    {L::manager,        T::own,     "...... yyyyy"},
    {L::manager,        T::sub,     "...... ....."},
    {L::manager,        T::sub_sub, "...... ....."},
    {L::manager,        T::foreign, "...... ....."},
    {L::manager,        T::via_org, "...... ....."},

    {L::owner,          T::own,     "...... yyyyy"},
    {L::owner,          T::sub,     "...... ....."},
    {L::owner,          T::sub_sub, "...... ....."},
    {L::owner,          T::foreign, "...... ....."},
    {L::owner,          T::via_org, "...... ....."},

    {L::reseller,       T::own,     "...... yyyyy"},
    {L::reseller,       T::sub,     "...... yyyyy"},
    {L::reseller,       T::sub_sub, "...... yyyyy"},
    {L::reseller,       T::foreign, "...... ....."},
    {L::reseller,       T::via_org, "...... yyyyy"},

    {L::reseller_admin, T::own,     "...... yyyyy"},
    {L::reseller_admin, T::sub,     "...... yyyyy"},
    {L::reseller_admin, T::sub_sub, "...... yyyyy"},
    {L::reseller_admin, T::foreign, "...... yyyyy"},
    {L::reseller_admin, T::via_org, "...... yyyyy"},

    {L::admin,          T::own,     "yyyyyy yyyyy"},
    {L::admin,          T::sub,     "yyyyyy yyyyy"},
    {L::admin,          T::sub_sub, "yyyyyy yyyyy"},
    {L::admin,          T::foreign, "yyyyyy yyyyy"},
    {L::admin,          T::via_org, "yyyyyy yyyyy"},
};
// clang-format on

identity who_at(access_level level) {
  identity who;
  who.employee = "emp";
  who.customer = "own";
  who.level = level;
  who.organization_resellers = {"org-reseller"};
  return who;
}

subscription subscription_for(std::size_t column, const target_data& t) {
  subscription s;
  s.type = types[column];
  if (!is_admin_column(column)) s.customer = t.customer;  // ADMIN types carry no customer
  return s;
}

const char* target_name(target t) {
  static constexpr std::array names = {"own", "sub", "sub-sub", "foreign", "via-org"};
  return names[static_cast<std::size_t>(t)];
}

}  // namespace

TEST_CASE("the table covers every level and target", "[auth]") {
  std::array<int, 8> per_level{};
  for (const auto& r : table) {
    ++per_level[static_cast<std::size_t>(r.level)];
    REQUIRE(std::string(r.expected).size() == 12);
  }
  for (const int n : per_level) CHECK(n == 5);
}

TEST_CASE("may_subscribe follows the access table", "[auth]") {
  int checked = 0;
  for (const auto& r : table) {
    const identity who = who_at(r.level);
    const target_data t = data_for(r.where);
    std::size_t column = 0;
    for (const char* c = r.expected; *c != '\0'; ++c) {
      if (*c == ' ') continue;
      const subscription s = subscription_for(column, t);
      const auto want = *c == 'y' ? subscribe_decision::allowed : subscribe_decision::access_denied;
      INFO(to_string(r.level) << " subscribing " << type_names[column] << " on "
                              << target_name(r.where) << " (" << s.customer << ")");
      CHECK(may_subscribe(who, s, t.chain) == want);
      // The caller may skip the directory when the policy says the chain does not matter; the
      // decision must then be the same without it.
      if (!needs_parent_chain(who, s)) CHECK(may_subscribe(who, s, {}) == want);
      ++column;
      ++checked;
    }
    CHECK(column == types.size());
  }
  CHECK(checked == 8 * 11 * 5);
}

TEST_CASE("needs_parent_chain only for a reseller looking beyond its own customer", "[auth]") {
  const target_data own = data_for(target::own);
  const target_data sub = data_for(target::sub);
  subscription pbx_own{subscription_type::pbx, own.customer, {}, {}};
  subscription pbx_sub{subscription_type::pbx, sub.customer, {}, {}};
  subscription call_sub{subscription_type::call, sub.customer, {}, {}};
  subscription admin{subscription_type::admin, "", {}, {}};
  subscription admin_pbx{subscription_type::admin_pbx, "", {}, {}};

  const identity reseller = who_at(access_level::reseller);
  CHECK(needs_parent_chain(reseller, pbx_sub));
  CHECK(needs_parent_chain(reseller, call_sub));
  CHECK_FALSE(needs_parent_chain(reseller, pbx_own));
  CHECK_FALSE(needs_parent_chain(reseller, admin));
  CHECK_FALSE(needs_parent_chain(reseller, admin_pbx));
  for (const auto level :
       {access_level::no_login, access_level::personal, access_level::viewer, access_level::manager,
        access_level::owner, access_level::reseller_admin, access_level::admin}) {
    INFO(to_string(level));
    CHECK_FALSE(needs_parent_chain(who_at(level), pbx_sub));
    CHECK_FALSE(needs_parent_chain(who_at(level), pbx_own));
    CHECK_FALSE(needs_parent_chain(who_at(level), admin));
  }
}

TEST_CASE("may_access_customer edge cases", "[auth]") {
  identity reseller = who_at(access_level::reseller);
  // The organization reseller itself is not on its own chain: the spec grants what lies below it.
  CHECK_FALSE(may_access_customer(reseller, "org-reseller", {"top"}));
  CHECK(may_access_customer(reseller, "org-customer-deep", {"x", "y", "org-reseller", "top"}));
  // An empty target is never accessible, whatever the level.
  CHECK_FALSE(may_access_customer(reseller, "", {"own"}));
  CHECK_FALSE(may_access_customer(who_at(access_level::admin), "", {}));
  // An empty entry in organizationResellers or own customer matches nothing.
  identity odd = who_at(access_level::reseller);
  odd.customer.clear();
  odd.organization_resellers = {""};
  CHECK_FALSE(may_access_customer(odd, "c", {"", "top"}));
  identity owner = who_at(access_level::owner);
  owner.customer.clear();
  CHECK_FALSE(may_access_customer(owner, "", {}));
  // A chain naming the owner's customer does not widen PERSONAL..OWNER.
  CHECK_FALSE(may_access_customer(who_at(access_level::owner), "own-sub", {"own", "top"}));
}

TEST_CASE("access levels and error codes have their wire names", "[auth]") {
  using txrt::telecomx::parse_access_level;
  const std::array<std::pair<const char*, access_level>, 8> levels = {{
      {"NO_LOGIN", L::no_login},
      {"PERSONAL", L::personal},
      {"VIEWER", L::viewer},
      {"MANAGER", L::manager},
      {"OWNER", L::owner},
      {"RESELLER", L::reseller},
      {"RESELLER_ADMIN", L::reseller_admin},
      {"ADMIN", L::admin},
  }};
  for (const auto& [text, level] : levels) {
    CHECK(parse_access_level(text) == level);
    CHECK(to_string(level) == text);
  }
  CHECK_FALSE(parse_access_level("admin"));
  CHECK_FALSE(parse_access_level(""));
  CHECK_FALSE(parse_access_level("ADMIN "));

  using txrt::auth::auth_error;
  CHECK(to_code(auth_error::invalid_token) == "invalid_token");
  CHECK(to_code(auth_error::expired) == "expired");
  CHECK(to_code(auth_error::credentials_invalid) == "credentials_invalid");
  CHECK(to_code(auth_error::revoked) == "revoked");
  CHECK(to_code(auth_error::unavailable) == "unavailable");
}
