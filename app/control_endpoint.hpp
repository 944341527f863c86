#pragma once
// POST /control {"revoke":{"employee":…}} or {"revoke":{"token":…}}: revocation for operators
// without Redis (SPEC §12), guarded by the publish secret like POST /events. The body is
// checked with the control-message codec, then published byte for byte on <prefix>control,
// the channel every node acts on: the built-in bus delivers it to this node, Redis to every
// node. Nothing is revoked here directly, so one path (app/revocation) does the revoking.
#include <string>

#include "bridge/bus.hpp"
#include "server/http/router.hpp"

namespace txrt::telecomx {

// Larger bodies are refused (413) before parsing: a revoke message is a few hundred bytes.
inline constexpr std::size_t max_control_body = 64 * 1024;

// An empty `secret` disables the endpoint (404).
http::handler make_control_handler(std::string secret, std::string prefix, bridge::bus& bus);

}  // namespace txrt::telecomx
