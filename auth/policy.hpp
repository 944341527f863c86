#pragma once
// The access policy of SPEC §4 and §5 as pure functions: no I/O, no clock, no directory access.
// Callers fetch a customer's parent chain from a customer_directory first, and only when
// needs_parent_chain() says the answer depends on it.
#include <string>
#include <string_view>
#include <vector>

#include "protocol/telecomx/identity.hpp"
#include "protocol/telecomx/subscription.hpp"

namespace txrt::auth {

// Who a token stands for, in the Telecom X vocabulary (protocol/telecomx/identity.hpp).
using telecomx::access_level;
using telecomx::identity;

// Whether `who` may see customer `customer`'s events. `parent_chain` is `customer`'s parent,
// its parent, ... up to the root (customer_directory::parent_chain); it only matters for
// RESELLER. ADMIN and RESELLER_ADMIN reach every customer; RESELLER its own customer and every
// customer below it or below one of its organizationResellers; PERSONAL..OWNER only their own
// customer; NO_LOGIN nothing. An empty `customer` is never accessible.
bool may_access_customer(const identity& who, std::string_view customer,
                         const std::vector<std::string>& parent_chain);

enum class subscribe_decision { allowed, access_denied };

// Whether `who` may hold subscription `s` (SPEC §5): ADMIN and ADMIN:* need level ADMIN
// (RESELLER_ADMIN is not enough); PBX, CONFIG, CONFIG-NOT-IPTV need >= PERSONAL and access to
// s.customer; REGISTER and CALL need >= VIEWER and access to s.customer. `parent_chain` is
// s.customer's chain; pass an empty vector when needs_parent_chain() is false.
subscribe_decision may_subscribe(const identity& who, const telecomx::subscription& s,
                                 const std::vector<std::string>& parent_chain);

// True only when may_subscribe()'s answer depends on the directory: a RESELLER subscribing to
// a customer type for a customer other than its own. Otherwise the caller skips the lookup.
bool needs_parent_chain(const identity& who, const telecomx::subscription& s);

}  // namespace txrt::auth
