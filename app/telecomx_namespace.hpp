#pragma once
// The Telecom X application on the main namespace: `authenticate`, `subscribe` and
// `unsubscribe` (SPEC §3 and §5), the authentication deadline, and membership of the room
// index of the socket's loop. Events reach subscribers through fanout, not through here.
#include <chrono>
#include <memory>
#include <vector>

#include "auth/directory.hpp"
#include "auth/validator.hpp"
#include "rooms/room_index.hpp"
#include "server/limits/address_rate_limiter.hpp"
#include "server/limits/rate_limit.hpp"
#include "server/loop_pool.hpp"
#include "server/socketio/namespace_handler.hpp"

namespace txrt::telecomx {

struct client;
class employee_index;
class request_router;

// Lifecycle notifications for the rest of the application (REALTIME events, logs, metrics).
class client_observer {
 public:
  virtual ~client_observer() = default;
  virtual void on_connected(const client&) {}
  virtual void on_authenticated(const client&) {}
  virtual void on_disconnected(const client&, std::string_view reason) {}
};

struct namespace_deps {
  server::loop_pool* loops = nullptr;
  std::shared_ptr<auth::token_validator> validator;
  std::shared_ptr<auth::customer_directory> directory;
  std::vector<rooms::room_index<client>*> indexes;  // one per loop, by loop index
  std::vector<employee_index*> employees;   // one per loop, by loop index
  request_router* router = nullptr;
  std::chrono::milliseconds auth_timeout{10000};
  client_observer* observer = nullptr;      // may be null
  // authenticate attempts: per socket, and per client address across every loop (may be null
  // = unlimited). Past either, the attempt is refused with rate_limited, unvalidated.
  limits::rate_limit auth_per_socket;
  std::shared_ptr<limits::address_rate_limiter> auth_per_address;
};

class telecomx_namespace : public sio::namespace_handler {
 public:
  explicit telecomx_namespace(namespace_deps deps);

  void on_connect(const std::shared_ptr<sio::socket>& s, std::string_view auth) override;
  void on_event(const std::shared_ptr<sio::socket>& s, const sio::event& e) override;
  void on_disconnect(const std::shared_ptr<sio::socket>& s, sio::disconnect_reason r) override;

 private:
  void authenticate(const std::shared_ptr<sio::socket>& s, client& c, const sio::event& e);
  void finish_authentication(client& c, std::optional<std::uint64_t> ack_id, auth::auth_result r);
  void refuse(client& c, std::optional<std::uint64_t> ack_id, auth::auth_error code,
              std::string_view message);
  // `unauthorized {code, message}`, the ack if asked for, then the disconnect; counted in
  // txrt_auth_total at `metric_index`.
  void refuse(client& c, std::optional<std::uint64_t> ack_id, std::string_view code,
              std::size_t metric_index, std::string_view message);
  // False (and the client refused with rate_limited) when an authenticate limit is reached.
  bool admit_attempt(client& c, const sio::socket& s, std::optional<std::uint64_t> ack_id);
  void subscribe(client& c, const sio::event& e);
  void unsubscribe(client& c, const sio::event& e);
  rooms::room_index<client>& index_of(const client& c);
  void forget_identity(client& c);

  namespace_deps deps_;
};

}  // namespace txrt::telecomx
