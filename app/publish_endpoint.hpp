#pragma once
// POST /events {type, customer?, event:{...}}: publishing over HTTP for publishers without
// Redis and for the embedded default, guarded by a shared bearer secret. The event object is
// published byte for byte on <prefix>event:<TYPE>[:<customer>], through the same bus.
#include <string>

#include "bridge/bus.hpp"
#include "server/http/router.hpp"

namespace txrt::telecomx {

// An empty `secret` disables the endpoint (404).
http::handler make_publish_handler(std::string secret, std::string prefix, bridge::bus& bus);

// Constant-time comparison of a presented secret with the configured one.
bool secret_matches(std::string_view presented, std::string_view expected) noexcept;

}  // namespace txrt::telecomx
