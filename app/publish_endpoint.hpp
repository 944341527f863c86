#pragma once
// POST /events {type, customer?, event:{...}}: publishing over HTTP for publishers without
// Redis and for the embedded default, guarded by a shared bearer secret. The event object is
// published byte for byte on <prefix>event:<TYPE>[:<customer>], through the same bus.
#include <optional>
#include <string>

#include "bridge/bus.hpp"
#include "server/http/router.hpp"

namespace txrt::telecomx {

// An empty `secret` disables the endpoint (404).
http::handler make_publish_handler(std::string secret, std::string prefix, bridge::bus& bus);

// The gate shared by the secret-guarded POST endpoints (/events, /control): 404 when `secret`
// is empty (the endpoint is disabled), 405 for another method, 401 without
// `Authorization: Bearer <secret>`; nullopt when the request may go on.
std::optional<http::response> refuse_publisher(const http::request& req, std::string_view secret);

// {"success":…,"code":…,"message":…} with `status`; `code` is left out when empty.
http::response json_answer(const http::request& req, unsigned status, std::string_view code,
                           std::string_view message);

// Constant-time comparison of a presented secret with the configured one.
bool secret_matches(std::string_view presented, std::string_view expected) noexcept;

}  // namespace txrt::telecomx
