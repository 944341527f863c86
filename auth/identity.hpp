#pragma once
// Who an authenticated socket is: the identity a token validator resolves a token to.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace txrt::auth {

// Lowest to highest. NO_LOGIN cannot authenticate.
enum class access_level : std::uint8_t {
  no_login,
  personal,
  viewer,
  manager,
  owner,
  reseller,
  reseller_admin,
  admin,
};

// "NO_LOGIN", "PERSONAL", ... "ADMIN" (exact, upper-case) -> level.
std::optional<access_level> parse_access_level(std::string_view text) noexcept;
std::string_view to_string(access_level level) noexcept;

struct identity {
  std::string employee;
  std::string customer;
  access_level level = access_level::no_login;
  std::string name;                                // may be empty
  std::vector<std::string> organization_resellers;  // extra reseller customers (RESELLER)
};

}  // namespace txrt::auth
