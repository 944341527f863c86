#pragma once
// The small shared state nodes keep beside the bus (SPEC §7): which customer each
// authenticated employee belongs to (hash <prefix>employee:customer) and the requests that were
// delivered, with a TTL, so that a reply is accepted on any node. Redis when configured; an
// in-memory map in single-node mode.
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
  // SET key value EX ttl. `done` (optional) gets ok=false when the store is unreachable.
  virtual void set(std::string key, std::string value, std::chrono::seconds ttl,
                   std::function<void(bool ok)> done) = 0;
  virtual void get(std::string key, kv_callback done) = 0;
  virtual void hset(std::string key, std::string field, std::string value) = 0;
  virtual void hget(std::string key, std::string field, kv_callback done) = 0;
};

}  // namespace txrt::bridge
