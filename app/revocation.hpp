#pragma once
// Revocation through <prefix>control (SPEC §3): {"revoke":{"employee":id}} or
// {"revoke":{"token":"…"}} sends `unauthorized {code:"revoked"}` to the matching sockets of
// this node and disconnects them at once; every node subscribes the channel, so every node
// does the same. The identity cache forgets them too, so a reconnect is validated afresh.
// Each node also remembers what it revoked for a while (`remember`: twice the recovery window,
// as long as a session record can live), so that a session waiting to be recovered with that
// token or employee is not brought back (SPEC §11).
#include <string_view>
#include <vector>

#include "auth/cached_validator.hpp"
#include "server/loop_pool.hpp"

#include <chrono>
#include <deque>
#include <unordered_map>
#include <utility>

namespace txrt::telecomx {

class employee_index;

class revocation {
 public:
  revocation(server::loop_pool& loops, std::vector<employee_index*> employees,
             auth::cached_validator* cache,
             std::chrono::steady_clock::duration remember = std::chrono::steady_clock::duration{});
  // A message on <prefix>control (bus loop). Malformed messages are logged and ignored.
  void on_control_message(std::string_view payload);
  // Whether this employee, or the token with this digest, was revoked within `remember` (bus
  // loop).
  bool revoked_recently(std::string_view employee, std::string_view token_digest);

 private:
  server::loop_pool& loops_;
  std::vector<employee_index*> employees_;
  auth::cached_validator* cache_;
  void remember(std::string key);  // "e:<employee>" or "t:<digest>"
  void forget_old();
  std::chrono::steady_clock::duration horizon_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> recent_;  // oldest first
  std::unordered_map<std::string, std::size_t> recent_count_;  // key -> entries in recent_
};

}  // namespace txrt::telecomx
