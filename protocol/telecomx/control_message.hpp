#pragma once
// A message on <prefix>control (SPEC §3), the operators' channel to every node:
// {"revoke":{"employee":"<id>"}} or {"revoke":{"token":"<token>"}} (both may be given). Other
// members are ignored; a non-string "employee" / "token" counts as absent.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace txrt::telecomx {

enum class control_status : std::uint8_t {
  revoke,         // employee and/or token set
  not_revoke,     // not JSON, not an object, or no "revoke" object
  names_nothing,  // a "revoke" object with neither a string "employee" nor a string "token"
};

struct control_message {
  control_status status = control_status::not_revoke;
  std::optional<std::string> employee;  // may be an empty string, as sent
  std::optional<std::string> token;     // a secret: never log it
};

control_message parse_control_message(std::string_view payload);

}  // namespace txrt::telecomx
