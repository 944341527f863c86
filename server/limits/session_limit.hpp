#pragma once
// Counts Engine.IO sessions against max-connections / max-connections-per-ip, by wrapping the
// handler factory of an endpoint (the engine itself knows nothing of limits).
//
// Why sessions and not only TCP connections: a long-polling session holds no connection of
// its own between requests, and one keep-alive connection can open any number of them, so the
// TCP count at accept alone would not bound them. A session over the limit is closed as soon
// as it opens (reason server_close) and never reaches the Socket.IO layer; it is counted in
// txrt_limited_total. Its address is the session's remote address (the X-Forwarded-For of a
// trusted proxy, else the peer), which for a direct client is the address counted at accept.
#include "server/engine/types.hpp"
#include "server/limits/connection_limiter.hpp"

namespace txrt::limits {

// `limiter` must outlive every session of the endpoint.
engine::handler_factory count_sessions(engine::handler_factory inner, connection_limiter& limiter);

}  // namespace txrt::limits
