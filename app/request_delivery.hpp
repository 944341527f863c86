#pragma once
// Writes REQUEST / REPLY frames to the matching sockets of this node: each loop looks the
// employee up in its own employee_index and queues the one shared frame on every matching
// socket (no copy, no JSON work per socket).
//
// Threading: deliver() may be called from any thread; the work runs on every loop.
#include <string>
#include <vector>

#include "server/engine/types.hpp"
#include "server/loop_pool.hpp"

namespace txrt::telecomx {

class employee_index;

class request_delivery {
 public:
  // `employees[i]` is loop i's index; it outlives this object.
  request_delivery(server::loop_pool& loops, std::vector<employee_index*> employees);

  // Queues `frame` on every socket of `employee` on this node; with an `instance_id`, only on
  // the sockets that reported that instanceId when they authenticated.
  void deliver(const std::string& employee, const std::string& instance_id,
               const engine::outgoing& frame);

 private:
  server::loop_pool& loops_;
  std::vector<employee_index*> employees_;
};

}  // namespace txrt::telecomx
