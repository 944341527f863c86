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
class file_store;
}  // namespace txrt::auth
namespace txrt::bridge {
class bus;
class kv_store;
class redis_command_pool;
}  // namespace txrt::bridge
namespace txrt::rooms {
template <class M>
class room_index;
}  // namespace txrt::rooms
namespace txrt::limits {
class address_rate_limiter;
}
namespace txrt::sio {
struct namespaces;
}

namespace txrt::telecomx {

class fanout;
class recovery_history;
class demo_events;
class telecomx_namespace;
struct client;
class employee_index;
class request_router;
class lifecycle;
class admin_hub;
class admin_namespace;
class revocation;

class app {
 public:
  // Builds everything and registers /socket.io/ and the routes on `rt`. Throws
  // std::runtime_error with a message naming the key on a configuration that cannot work
  // (config::validate(), an unreadable tokens file, an auth-url that is neither http:// nor https://).
  app(const config::settings& cfg, server::runtime& rt);
  ~app();

  // Starts the bus (and the demo publisher); call before rt.run().
  void start();

 private:
  // The constructor's steps, in order; each fills the members the next ones use.
  void make_loop_indexes();
  void make_bus_and_store();
  void make_validator();
  void make_directory();
  void make_parts();  // fan-out, request router, lifecycle, revocation
  // The Admin UI (app/admin_setup.cpp): the hub, before the namespaces (it observes the main
  // one); its /admin namespace and files, with them.
  void register_admin();
  std::shared_ptr<admin_namespace> make_admin_namespace();
  void add_admin_routes();
  void register_namespace();
  void register_routes();
  void reload_tokens_on_sighup();

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
  std::unique_ptr<admin_hub> admin_hub_;  // null when admin-ui is off
  std::unique_ptr<revocation> revocation_;
  std::string server_name_;
  std::unique_ptr<recovery_history> history_;  // null when recovery is off
  std::unique_ptr<fanout> fanout_;
  // authenticate attempts per client address, shared by the namespace and GET /clients.
  std::shared_ptr<limits::address_rate_limiter> auth_per_address_;
  std::shared_ptr<telecomx_namespace> namespace_;
  std::unique_ptr<sio::namespaces> spaces_;
  std::unique_ptr<demo_events> demo_;
  // Start-up only: the tokens file (when auth or directory is file) and the Redis command
  // connections, one per loop (when redis is set), shared by the validator, the directory and
  // the store.
  std::shared_ptr<const auth::file_store> tokens_;
  std::shared_ptr<bridge::redis_command_pool> redis_commands_;
};

}  // namespace txrt::telecomx
