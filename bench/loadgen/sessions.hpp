#pragma once
// The identities the clients log in with, written to Redis as auth=redis reads them
// (GET <prefix>session:<token> → {employee, customer, accessLevel}). Session i belongs to
// customer i % customers, as employee bench-e<i> with level MANAGER: it may subscribe to its own
// customer's PBX events and nothing else, so the permission check runs as in production and a
// misrouted event is an error the clients can see.
#include <cstdint>
#include <string>

#include "bench/loadgen/options.hpp"
#include "bench/loadgen/redis_pipe.hpp"

namespace txrt::bench {

// "bench-c<k>": the customer of channel k.
std::string customer_name(std::uint32_t channel);
// "<prefix>event:PBX:bench-c<k>".
std::string channel_name(const std::string& prefix, std::uint32_t channel);
// A token unique to this run: "bench-<run>-<i>".
std::string token_of(std::uint32_t run, std::uint32_t session);

// SETs the session of every token (EX 3600, so a crashed run cleans up after itself).
bool write_sessions(redis_pipe& redis, const options& o, std::uint32_t run);
// DELs them again.
bool delete_sessions(redis_pipe& redis, const options& o, std::uint32_t run);

}  // namespace txrt::bench
