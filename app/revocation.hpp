#pragma once
// Revocation through <prefix>control (SPEC §3): {"revoke":{"employee":id}} or
// {"revoke":{"token":"…"}} sends `unauthorized {code:"revoked"}` to the matching sockets of
// this node and disconnects them at once; every node subscribes the channel, so every node
// does the same. The identity cache forgets them too, so a reconnect is validated afresh.
#include <string_view>
#include <vector>

#include "auth/cached_validator.hpp"
#include "server/loop_pool.hpp"

namespace txrt::telecomx {

class employee_index;

class revocation {
 public:
  revocation(server::loop_pool& loops, std::vector<employee_index*> employees,
             auth::cached_validator* cache);
  // A message on <prefix>control (bus loop). Malformed messages are logged and ignored.
  void on_control_message(std::string_view payload);

 private:
  server::loop_pool& loops_;
  std::vector<employee_index*> employees_;
  auth::cached_validator* cache_;
};

}  // namespace txrt::telecomx
