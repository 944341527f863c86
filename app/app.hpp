#pragma once
// The Telecom X application assembled from its parts, as the configuration asks: the token
// validator (file, redis or http, cached), the customer directory, the bus (Redis or built-in),
// the per-loop room indexes, fan-out, the main namespace and the HTTP routes (/ready,
// POST /events, the demo page at /).
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "server/runtime.hpp"

namespace txrt::auth {
class token_validator;
class customer_directory;
}  // namespace txrt::auth
namespace txrt::bridge {
class bus;
class kv_store;
}
namespace txrt::rooms {
template <class M>
class room_index;
}  // namespace txrt::rooms
namespace txrt::sio {
struct namespaces;
}

namespace txrt::telecomx {

class fanout;
class demo_events;
class telecomx_namespace;
struct client;
class employee_index;
class request_router;
class lifecycle;
class revocation;

class app {
 public:
  // Builds everything and registers /socket.io/ and the routes on `rt`. Throws
  // std::runtime_error with a message naming the key on a configuration that cannot work
  // (e.g. an unreadable tokens file).
  app(const config::settings& cfg, server::runtime& rt);
  ~app();

  // Starts the bus (and the demo publisher); call before rt.run().
  void start();

 private:
  const config::settings& cfg_;
  server::runtime& rt_;
  std::shared_ptr<auth::token_validator> validator_;
  std::shared_ptr<auth::customer_directory> directory_;
  std::unique_ptr<bridge::bus> bus_;
  std::unique_ptr<bridge::kv_store> store_;
  std::vector<std::unique_ptr<rooms::room_index<client>>> indexes_;
  std::vector<std::unique_ptr<employee_index>> employees_;
  std::unique_ptr<request_router> router_;
  std::unique_ptr<lifecycle> lifecycle_;
  std::unique_ptr<revocation> revocation_;
  std::string server_name_;
  std::unique_ptr<fanout> fanout_;
  std::shared_ptr<telecomx_namespace> namespace_;
  std::unique_ptr<sio::namespaces> spaces_;
  std::unique_ptr<demo_events> demo_;
};

}  // namespace txrt::telecomx
