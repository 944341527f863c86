#pragma once
// GET /clients: this node's authenticated sockets, for operators. Guarded like POST /events
// (Authorization: Bearer <publish-secret>; 404 when no secret is set) or by an ADMIN token
// (Authorization: Token <token>, checked with the configured validator; a token bound to an
// address does not pass, since the HTTP request is not a socket).
//
// The sockets live on several loops: the handler posts to every loop, each describes its own
// clients there, and the answer is written when all have replied. No loop ever waits.
//
//   [{"id":"...","employee":"...","customer":"...","accessLevel":"ADMIN","client":"...",
//     "instanceId":"...","ip":"...","remoteAddress":"...","connected":"2026-01-31T12:00:00Z",
//     "transport":"websocket","subscriptions":[{"type":"PBX","customer":"c1"}, ...]}, ...]
#include <memory>
#include <string>
#include <vector>

#include "server/http/router.hpp"
#include "server/limits/address_rate_limiter.hpp"
#include "server/loop_pool.hpp"

namespace txrt::auth {
class token_validator;
}
namespace txrt::rooms {
template <class M>
class room_index;
}  // namespace txrt::rooms

namespace txrt::telecomx {

struct client;
class employee_index;

struct clients_endpoint_deps {
  server::loop_pool* loops = nullptr;
  std::vector<employee_index*> employees;   // one per loop
  std::vector<rooms::room_index<client>*> indexes;  // one per loop
  std::shared_ptr<auth::token_validator> validator;
  std::string secret;  // publish-secret
  // `Token <ADMIN token>` attempts count against auth-rate-per-ip like authenticate's (shared
  // with the authenticator; null = unlimited); past it 429, the validator not asked.
  std::shared_ptr<limits::address_rate_limiter> auth_per_address;
};

http::async_handler make_clients_handler(clients_endpoint_deps deps);

}  // namespace txrt::telecomx
