#pragma once
// Counts Engine.IO sessions against max-connections / max-connections-per-ip, as the engine's
// session_admission (the engine itself knows nothing of limits).
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

// Holds no state per session: a session's slot is its admission (one bit in the session), and
// the slot's address is the session's own remote_address(), fixed before it is admitted.
class session_limit final : public engine::session_admission {
 public:
  // `limiter` must outlive every session of the endpoints this admits.
  explicit session_limit(connection_limiter& limiter) : limiter_(limiter) {}

  bool admit(const engine::session& s) override;
  void release(const engine::session& s) noexcept override;

 private:
  connection_limiter& limiter_;
};

}  // namespace txrt::limits
