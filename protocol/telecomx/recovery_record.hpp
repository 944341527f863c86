#pragma once
// What a node keeps in Redis about one recoverable session (SPEC §11, docs/recovery.md), under
// <prefix>recovery:<pid>: enough for any node to rebuild the session after its own node is gone.
// JSON, written by the node that holds the session, read by the node the client comes back to.
//
// The record holds the session's token (to validate it again before anything is restored: a
// revoked or expired credential recovers nothing) and never the identity itself, which is
// always asked of the validator anew. Redis is the deployment's own trusted store; the key
// lives at most 2 × recovery-window-ms.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/telecomx/stream_offset.hpp"
#include "protocol/telecomx/subscription.hpp"

namespace txrt::telecomx {

struct recovery_record {
  std::string sid;       // the Socket.IO socket id, kept across the recovery
  std::string token;     // validated again at recovery
  std::string employee;  // the validated identity must still be this employee
  // What the client said in authenticate (request/reply routing needs instanceId).
  std::string client_name;
  std::string instance_id;
  std::string reported_ip;
  // Where the session stood when it authenticated: replay starts here when the client never
  // received an event (socket.io-client then sends no offset).
  stream_offset since;
  struct held {
    subscription what;   // normalised
    stream_offset since;  // events after this position were delivered to it
  };
  std::vector<held> subscriptions;
};

// A record larger than this is not stored (the session is then not recoverable, and counted).
inline constexpr std::size_t max_recovery_record_bytes = 1 << 20;

std::string encode(const recovery_record& r);
// nullopt for anything that is not a record this version wrote (other JSON, a bad subscription,
// a bad offset, a text over max_recovery_record_bytes).
std::optional<recovery_record> parse_recovery_record(std::string_view json);

}  // namespace txrt::telecomx
