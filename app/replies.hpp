#pragma once
// The JSON the Telecom X application answers with (SPEC §3, §5). Small objects built by hand
// with proper string escaping; never on the fan-out path.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/telecomx/identity.hpp"
#include "protocol/telecomx/subscription.hpp"

namespace txrt::telecomx {

// {"employee":..,"customer":..,"accessLevel":..}; with `success` the ack form
// {"success":true,"employee":..,...}.
std::string authenticated_json(const telecomx::identity& who, bool with_success);

// {"code":..,"message":..}; with `success` the ack form {"success":false,"code":..,"message":..}.
std::string failure_json(std::string_view code, std::string_view message, bool with_success);

// {"type":..,"customer":..,"code":..,"message":..}; type/customer null when unknown.
std::string subscribe_failed_json(std::string_view type, std::string_view customer,
                                  std::string_view code, std::string_view message);

// The subscription echo with "success":true in front: {"success":true,"type":"PBX",...}.
std::string success_with(std::string_view object_json);

}  // namespace txrt::telecomx
