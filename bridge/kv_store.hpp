#pragma once
// The small shared state nodes keep beside the bus (SPEC §7): which customer each
// authenticated employee belongs to (hash <prefix>employee:customer) and the requests that were
// delivered, with a TTL that each accepted reply renews, so that a reply is accepted on any node
// for as long as a stream of replies keeps coming. Redis when configured; an in-memory map in
// single-node mode. TTLs are in milliseconds (SET PX, PEXPIRE).
//
// Threading: thread-safe calls; every callback runs on the store's loop (the bus loop).
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace txrt::bridge {

struct kv_value {
  bool ok = false;                   // false: the store could not be reached in time
  std::optional<std::string> value;  // nullopt: no such key / field
};
using kv_callback = std::function<void(kv_value)>;

class kv_store {
 public:
  virtual ~kv_store() = default;
  // SET key value PX ttl. `done` (optional) gets ok=false when the store is unreachable or
  // refuses the TTL (zero or less).
  virtual void set(std::string key, std::string value, std::chrono::milliseconds ttl,
                   std::function<void(bool ok)> done) = 0;
  // PEXPIRE key ttl: the key now lives `ttl` from here. `done` (optional) gets true when the key
  // existed (and was not yet expired) and has its new TTL; false when there was no such key, the
  // TTL is zero or less, or the store is unreachable.
  virtual void expire(std::string key, std::chrono::milliseconds ttl,
                      std::function<void(bool ok)> done) = 0;
  virtual void get(std::string key, kv_callback done) = 0;
  virtual void hset(std::string key, std::string field, std::string value) = 0;
  virtual void hget(std::string key, std::string field, kv_callback done) = 0;
};

}  // namespace txrt::bridge
