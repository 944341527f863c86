#pragma once
// Request / reply between employee client instances (SPEC §7), on one node and across nodes:
// the sockets' side of it. A `request` / `reply` event becomes a call into request_flow with
// the socket's identity, instance id and request budget, and an answer that acks the socket on
// its own loop; an employee's sockets coming and going update employee_presence; the frames
// the flow delivers go to the sockets through request_delivery.
//
// A request travels as an envelope on <prefix>employee:<recipient>, which every node holding
// sockets of that employee subscribes. The sender's node checks the sender's right to reach the
// recipient's customer and to replyTo's (hash <prefix>employee:customer and the directory),
// records the request (<prefix>request:<id>, request-ttl-ms, renewed by each accepted reply) so
// that a reply is accepted on any node, and learns from PUBLISH
// whether any node holds the recipient (else: offline). The delivering node checks again and
// writes REQUEST to the matching instances. `from` is always the server's, never the client's.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/employee_presence.hpp"
#include "app/request_delivery.hpp"
#include "app/request_flow.hpp"
#include "auth/directory.hpp"
#include "bridge/bus.hpp"
#include "bridge/kv_store.hpp"
#include "protocol/telecomx/identity.hpp"
#include "server/limits/rate_limit.hpp"
#include "server/loop_pool.hpp"
#include "server/socketio/namespace_handler.hpp"

namespace txrt::telecomx {

struct client;
class employee_index;

class request_router {
 public:
  request_router(server::loop_pool& loops, std::string prefix, bridge::bus& bus,
                 bridge::kv_store& store, std::shared_ptr<auth::customer_directory> directory,
                 std::vector<employee_index*> employees,
                 std::chrono::milliseconds request_ttl = std::chrono::milliseconds(300'000),
                 limits::rate_limit per_socket = {});

  // On the client's loop. Request and reply messages share one budget per socket
  // (request-rate-per-socket); past it the ack is {success:false, code:"rate_limited"}.
  void on_request(client& c, const sio::event& e);
  void on_reply(client& c, const sio::event& e);

  // An employee gained / lost a socket on this node (any loop; posts to the bus loop).
  void employee_online(std::shared_ptr<const telecomx::identity> who);
  void employee_offline(const std::string& employee);

  // A message on <prefix>employee:<id> (bus loop).
  void on_employee_message(std::string_view channel, std::string_view payload);
  bool is_employee_channel(std::string_view channel) const noexcept;

 private:
  employee_presence presence_;
  request_delivery delivery_;
  request_flow flow_;
};

}  // namespace txrt::telecomx
