#pragma once
// The Telecom X application on the main namespace: the thin handler that gives each socket its
// client state and dispatches the events. `authenticate` and the auth deadline are the
// authenticator's (app/authenticator.hpp), `subscribe` / `unsubscribe` the subscriptions'
// (app/subscriptions.hpp), `request` / `reply` the request router's. Events reach subscribers
// through fanout, not through here.
//
// Contract: on_connect attaches a client (socket::app_state) and arms its auth deadline;
// on_disconnect marks it gone (so late validator and directory answers are dropped), drops its
// identity and subscriptions, and detaches it. Unknown events are ignored, as socket.io does.
// The namespace is also the client_io the others speak through: over the client's sio::socket.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/authenticator.hpp"
#include "app/client_io.hpp"
#include "app/session_recovery.hpp"
#include "app/subscriptions.hpp"
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
  std::vector<employee_index*> employees;           // one per loop, by loop index
  request_router* router = nullptr;
  std::chrono::milliseconds auth_timeout{10000};
  client_observer* observer = nullptr;  // may be null
  // authenticate attempts: per socket, and per client address across every loop (may be null
  // = unlimited). Past either, the attempt is refused with rate_limited, unvalidated.
  limits::rate_limit auth_per_socket;
  std::shared_ptr<limits::address_rate_limiter> auth_per_address;
  // Per-socket subscription bounds (SPEC §5).
  std::size_t max_subscriptions_per_socket = 100;
  limits::rate_limit subscribe_per_socket{20, std::chrono::seconds(1)};
  // revalidate-interval-ms (SPEC §12); 0 = off.
  std::chrono::milliseconds revalidate_interval{60000};
  // Connection state recovery (SPEC §11); window 0 = off.
  recovery_deps recovery;
  // Subscriptions added / removed (subscriptions_deps::on_room_change); may be empty.
  std::function<void(const client&, const telecomx::subscription&, bool joined)> on_room_change;
};

class telecomx_namespace : public sio::namespace_handler,
                           private client_io,
                           private client_observer {
 public:
  explicit telecomx_namespace(namespace_deps deps);

  // Arms what runs on its own (the recovery records' refresh); once the loops exist.
  void start() { recovery_.start(); }

  bool offers_recovery() const override { return recovery_.enabled(); }
  void recover(std::string pid, std::optional<std::string> offset, std::string address,
               sio::recovery_callback done) override;
  void recovery_refused(sio::recovery_refusal why) override {
    session_recovery::fail(why == sio::recovery_refusal::disabled
                               ? metrics::recovery_failure::disabled
                               : metrics::recovery_failure::invalid_request);
  }

  void on_connect(const std::shared_ptr<sio::socket>& s, std::string_view auth) override;
  void on_event(const std::shared_ptr<sio::socket>& s, const sio::event& e) override;
  void on_disconnect(const std::shared_ptr<sio::socket>& s, sio::disconnect_reason r) override;

  // The Admin UI's join / leave of `c`'s room (subscriptions::join_for_admin /
  // leave_for_admin); on the client's loop.
  void join_for_admin(client& c, const telecomx::subscription& sub,
                      std::function<void(std::string_view code)> done) {
    subscriptions_.join_for_admin(c, sub, std::move(done));
  }
  std::size_t leave_for_admin(client& c, const telecomx::subscription& sub) {
    return subscriptions_.leave_for_admin(c, sub);
  }

  // Credentials on live sockets (SPEC §12); each must run on loop `loop`.
  void revalidate_now(std::size_t loop) { authenticator_.revalidate_now(loop); }
  void recheck_customer(std::size_t loop, const std::string& customer) {
    authenticator_.recheck_customer(loop, customer);
  }

 private:
  // client_io over the client's socket (nothing once it is gone).
  void emit(client& c, std::string_view name, std::string_view args) override;
  void ack(client& c, std::uint64_t id, std::string_view args) override;
  void disconnect(client& c) override;
  // client_observer for the authenticator: records, then the application's observer.
  void on_authenticated(const client& c) override;
  // A recovered session on its new socket: its state back, what it missed, then live events.
  void resume(const std::shared_ptr<sio::socket>& s, const recovery_plan& plan);
  std::size_t current_loop() const;

  server::loop_pool* loops_;
  std::size_t loop_count_;
  request_router* router_;
  client_observer* observer_;
  subscriptions subscriptions_;
  authenticator authenticator_;
  session_recovery recovery_;
};

}  // namespace txrt::telecomx
