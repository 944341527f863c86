#pragma once
// Who an authenticated socket is: the identity a token validator resolves a token to.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace txrt::telecomx {

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

// The wire names (upper-case), indexed by the enum's value; also the metrics' label values.
inline constexpr std::array<std::string_view, 8> access_level_names = {
    "NO_LOGIN", "PERSONAL", "VIEWER", "MANAGER", "OWNER", "RESELLER", "RESELLER_ADMIN", "ADMIN",
};
static_assert(static_cast<std::size_t>(access_level::admin) + 1 == access_level_names.size());

// "NO_LOGIN", "PERSONAL", ... "ADMIN" (exact, upper-case) -> level.
std::optional<access_level> parse_access_level(std::string_view text) noexcept;
std::string_view to_string(access_level level) noexcept;

struct identity {
  std::string employee;
  std::string customer;
  access_level level = access_level::no_login;
  std::string name;                                // may be empty
  std::vector<std::string> organization_resellers;  // extra reseller customers (RESELLER)
  // When the credential stops being valid (the tokens file's `expires`, a document's `exp` or
  // `expires`); none: it does not expire. Enforced on the live socket (SPEC §12).
  std::optional<std::chrono::system_clock::time_point> expires;
};

}  // namespace txrt::telecomx
