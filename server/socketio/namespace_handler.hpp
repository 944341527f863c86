#pragma once
// What an application implements for one Socket.IO namespace, and the registry of namespaces
// a Socket.IO endpoint serves. Handlers are called on the socket's loop.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "protocol/socketio/packet.hpp"

namespace txrt::sio {

class socket;

// A received EVENT. Views are valid only during the call.
struct event {
  std::string_view name;
  std::string_view args;                            // raw JSON elements after the name
  const std::vector<std::string>* attachments;      // binary attachments, in order
  std::optional<std::uint64_t> ack_id;              // set when the client wants an answer
};

// Why a namespace socket ended (socket.io's reason strings, which clients display).
enum class disconnect_reason : std::uint8_t {
  client_namespace_disconnect,
  server_namespace_disconnect,
  transport_close,
  transport_error,
  ping_timeout,
  parse_error,
  server_shutting_down,
  forced_close,
};
std::string_view to_string(disconnect_reason r) noexcept;

// Connection state recovery (socket.io's protocol, SPEC §11): a session found again, with the
// socket id it had and what to do once the new socket's CONNECT answer is queued (send what was
// missed, rejoin) - in place of on_connect.
struct recovered_session {
  std::string sid;
  std::function<void(const std::shared_ptr<socket>&)> resume;
};
// Answers a recover() call: nullopt = a fresh session (on_connect follows). Call exactly once,
// from any thread; the connection takes the answer to its own loop.
using recovery_callback = std::function<void(std::optional<recovered_session>)>;

// Why a recovery was not even attempted (told to the handler for its metrics): the pid or
// offset cannot be anybody's, or the namespace does not offer recovery now.
enum class recovery_refusal : std::uint8_t { invalid_request, disabled };

// An admission that needs to ask someone first (a token validator): what the handler is told
// of the client, and how it answers. `refusal` set = CONNECT_ERROR carrying it; otherwise
// `state` (which must not be null) becomes the new socket's app_state before on_connect.
struct admission_request {
  std::string_view auth;                  // the CONNECT payload ("{}" when none); call only
  std::string remote_address;             // the client's address as the server sees it
  boost::asio::any_io_executor executor;  // the session's loop: answer there
};
using admission_done =
    std::function<void(std::optional<std::string> refusal, std::shared_ptr<void> state)>;

class namespace_handler {
 public:
  virtual ~namespace_handler() = default;
  // Called before the socket exists. Returning a message refuses the connection with a
  // CONNECT_ERROR carrying it. `auth` is the CONNECT payload ("{}" when none).
  virtual std::optional<std::string> authorize(std::string_view auth) { return std::nullopt; }
  // Whether CONNECTs wait for authorize_async (after authorize() passed). Then `done` must be
  // called once, on the request's executor; a session gone by then is ignored.
  virtual bool admits_later() const { return false; }
  virtual void authorize_async(const admission_request& request, admission_done done) {}
  // The CONNECT answer has been queued; the socket may emit now.
  virtual void on_connect(const std::shared_ptr<socket>& s, std::string_view auth) = 0;
  virtual void on_event(const std::shared_ptr<socket>& s, const event& e) = 0;
  virtual void on_disconnect(const std::shared_ptr<socket>& s, disconnect_reason reason) {}

  // Recovery, for Socket.IO v5 clients. When offered, every CONNECT answer carries a `pid` (a
  // private session id, on the socket as socket::pid()); a CONNECT whose payload carries one
  // asks recover() first. Not offered by default.
  virtual bool offers_recovery() const { return false; }
  // `address`: the client's address as the server sees it (tokens may be bound to it).
  virtual void recover(std::string pid, std::optional<std::string> offset, std::string address,
                       recovery_callback done) {
    done(std::nullopt);
  }
  // A CONNECT asked for recovery and was not even looked up (see recovery_refusal).
  virtual void recovery_refused(recovery_refusal why) {}
};

// The namespaces of one endpoint. Built at start-up, read-only afterwards.
struct namespaces {
  std::unordered_map<std::string, std::shared_ptr<namespace_handler>> by_name;
  decode_limits limits;
  // An Engine.IO session that has joined no namespace by then is closed (v5 clients; v2
  // clients are joined to "/" at once).
  std::chrono::milliseconds connect_timeout{45000};

  namespace_handler* find(std::string_view name) const {
    auto it = by_name.find(std::string(name));
    return it == by_name.end() ? nullptr : it->second.get();
  }
  // The map's own copy of `name` (as long-lived as this registry), or null: what a socket
  // keeps for its namespace instead of a copy of the name.
  const std::string* key_of(std::string_view name) const {
    auto it = by_name.find(std::string(name));
    return it == by_name.end() ? nullptr : &it->first;
  }
};

}  // namespace txrt::sio
