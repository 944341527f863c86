#pragma once
// Where a Redis server is: parsed once from the `redis` configuration key at start-up.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace txrt::bridge {

struct redis_endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  int db = 0;            // SELECTed after each connect when not 0
  std::string user;      // Redis 6 ACL user ("AUTH user password"); usually empty
  std::string password;  // "AUTH password" after each connect when not empty
  bool tls = false;      // rediss://: TLS, the server's certificate verified (redis_tls.hpp)
};

// "redis://[[user]:password@]host[:port][/db]", or "rediss://..." for TLS (default port 6379
// for both, as redis-cli and ioredis have it); a bare "host[:port]" is read as redis://.
// nullopt (and `error` filled, when given) for anything else: another scheme, a bad port or db.
std::optional<redis_endpoint> parse_redis_url(std::string_view url, std::string* error = nullptr);

// "host:port/db" for logs: never the password.
std::string describe(const redis_endpoint& endpoint);

}  // namespace txrt::bridge
