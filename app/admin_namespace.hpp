#pragma once
// The /admin namespace: the server side of the Socket.IO Admin UI's protocol (npm
// @socket.io/admin-ui), for the unmodified UI.
//
// Login (at CONNECT, before the socket exists): the UI's form sends {username, password} as the
// handshake's auth. It logs in when the password is an ADMIN token (whatever the username; the
// session is that employee's), or when the username is admin-username and the password matches
// admin-password-hash (bcrypt). Anything else is refused with the CONNECT_ERROR "invalid
// credentials" (what the UI shows), counted; attempts per client address are rate-limited
// like authenticate (auth-rate-per-socket per minute, and auth-rate-per-ip when set).
//
// A login by password or token also gets a "session" id (valid session_ttl, on every node that
// shares the store), which the UI sends instead after a reload.
//
// After login: config {supportedFeatures}, then all_sockets (every node's), then server_stats
// and socket events as the hub passes them on. Commands are carried out when their key allows
// them (_disconnect: admin-ui-disconnect; emit, join, leave: admin-ui-write), else refused and
// counted; only what is allowed is advertised (config's supportedFeatures). join / leave
// subscribe / unsubscribe one socket on its behalf, on whichever node holds it, with the
// permission check of its own subscribe (admin_hub::request_membership). Each command is
// logged with who gave it.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "server/limits/address_rate_limiter.hpp"
#include "server/loop_pool.hpp"
#include "server/socketio/namespace_handler.hpp"

namespace txrt::auth {
class token_validator;
}
namespace txrt::bridge {
class kv_store;
}

namespace txrt::telecomx {

class admin_hub;

struct admin_namespace_deps {
  server::loop_pool* loops = nullptr;
  admin_hub* hub = nullptr;
  std::shared_ptr<auth::token_validator> validator;  // ADMIN tokens; null = not accepted
  std::string username;                              // admin-username ("" = no password login)
  std::string password_hash;                         // admin-password-hash (bcrypt)
  std::shared_ptr<limits::address_rate_limiter> attempts;          // per address, never null
  std::shared_ptr<limits::address_rate_limiter> auth_per_address;  // auth-rate-per-ip, may be null
  bool disconnect_enabled = true;
  bool write_enabled = false;
  // The UI's sessions ("session" after a login; {sessionId} in a later CONNECT, on any node):
  // <prefix>admin:session:<id> in the key-value store, for session_ttl from the login.
  bridge::kv_store* store = nullptr;  // null = no sessions
  std::string prefix;
  std::chrono::milliseconds session_ttl{std::chrono::hours(1)};
};

class admin_namespace final : public sio::namespace_handler {
 public:
  explicit admin_namespace(admin_namespace_deps deps);
  ~admin_namespace() override;

  bool admits_later() const override { return true; }
  void authorize_async(const sio::admission_request& request, sio::admission_done done) override;
  void on_connect(const std::shared_ptr<sio::socket>& s, std::string_view auth) override;
  void on_event(const std::shared_ptr<sio::socket>& s, const sio::event& e) override;
  void on_disconnect(const std::shared_ptr<sio::socket>& s, sio::disconnect_reason r) override;

 private:
  std::string config_json() const;
  void check_token(const sio::admission_request& request, std::string token,
                   sio::admission_done done);
  void check_session(const sio::admission_request& request, const std::string& id,
                     sio::admission_done done);

  admin_namespace_deps deps_;
  // bcrypt costs tens of milliseconds by design: it runs here, not on a loop, at most
  // max_hashing at a time (past that: refused as too many attempts).
  boost::asio::thread_pool hasher_{1};
  std::atomic<int> hashing_{0};
};

}  // namespace txrt::telecomx
