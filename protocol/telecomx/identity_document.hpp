#pragma once
// The identity document both network validators receive: the Redis session value and the
// Telecom X /auth/validateToken answer, {success?, employee, customer, accessLevel, name?,
// organizationResellers?, exp?, expires?}. Pure. `exp` is seconds since the epoch (a JSON
// number), `expires` an ISO-8601 time with a zone; either sets identity::expires (`exp` wins
// when both are present); a present one of the wrong form makes the document malformed. Ids may be JSON strings or integers (Telecom X sends both);
// they become strings.
#include <string>
#include <string_view>

#include "protocol/telecomx/identity.hpp"

namespace txrt::telecomx {

enum class identity_status : std::uint8_t {
  ok,
  rejected,   // "success": false
  no_login,   // a valid document whose accessLevel is NO_LOGIN
  malformed,  // not JSON, not an object, a required field missing or of the wrong type
};

struct identity_document {
  identity_status status = identity_status::malformed;
  identity who;  // set when ok
  std::string error;   // for malformed: what is wrong (never echoes values)
};

identity_document parse_identity_json(std::string_view text);

// The identity's access-relevant fields as a document parse_identity_json() reads back:
// {"employee":..,"customer":..,"accessLevel":..,"organizationResellers":[..]}, in that order.
// `name` is left out: no access decision depends on it, and this is the exact `sender` of the
// request envelope (SPEC §7) that nodes of every version exchange on the bus.
std::string to_json(const identity& who);

}  // namespace txrt::telecomx
