#pragma once
// The Telecom X state of one socket: who it is, what it subscribed to (as a room-index member)
// and what it told us about itself. Lives on the socket's loop; touched only there.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auth/token_digest.hpp"
#include "protocol/telecomx/identity.hpp"
#include "protocol/telecomx/recovery_record.hpp"
#include "rooms/room_index.hpp"
#include "server/limits/rate_limit.hpp"
#include "server/socketio/socket.hpp"
#include "server/util/short_id.hpp"

namespace txrt::telecomx {

// What the client reported in authenticate (informational, for debugging; instanceId also
// routes replies to one tab). The three strings end to end in one buffer: the usual short
// values fit its inline storage, so a socket keeps 40 bytes for them instead of three strings.
class reported_info {
 public:
  void assign(std::string_view client_name, std::string_view instance_id, std::string_view ip) {
    text_.clear();
    text_.reserve(client_name.size() + instance_id.size() + ip.size());
    text_.append(client_name).append(instance_id).append(ip);
    client_size_ = static_cast<std::uint32_t>(client_name.size());
    instance_size_ = static_cast<std::uint32_t>(instance_id.size());
  }
  std::string_view client_name() const noexcept {
    return std::string_view(text_).substr(0, client_size_);
  }
  std::string_view instance_id() const noexcept {
    return std::string_view(text_).substr(client_size_, instance_size_);
  }
  std::string_view ip() const noexcept {
    return std::string_view(text_).substr(client_size_ + instance_size_);
  }

 private:
  std::string text_;
  std::uint32_t client_size_ = 0;
  std::uint32_t instance_size_ = 0;
};

// Connection state recovery (SPEC §11) of one socket: only a Socket.IO v5 socket with recovery
// on has it (events carry their offset), so a socket without offsets pays one null pointer.
struct client_recovery {
  explicit client_recovery(std::string session_pid) : pid(std::move(session_pid)) {}
  // The socket's private session id.
  std::string pid;
  // Where the session started, and since when each subscription has been held (its record),
  // by a hash of the subscription: a few bytes each, not a second copy of it.
  stream_offset since;
  std::vector<std::pair<std::size_t, stream_offset>> held;
  // A resumed session was sent every event up to here: fan-out skips those it still brings.
  stream_offset replayed_through;
  // The position of the last event queued to it (what its offset will be once it has them).
  stream_offset last_sent;
  bool listed = false;  // written, and in its loop's refresh roster
  // A fresh session's first record, waiting for its first subscription (see
  // recovery_deps::first_write_delay): nothing is in the store yet.
  bool first_write_due = false;
};

// Held by a shared_ptr (the socket's app_state): the authenticator and subscriptions keep a
// weak_ptr across a validator or directory call, and drop the answer when the client is gone.
//
// One per connected socket, so its size is the server's memory per idle session: what only
// some sockets need (recovery) is behind a pointer, the identity is shared with the validator
// cache and the socket's other tabs, and the fields are ordered to leave no padding.
struct client final : rooms::member, std::enable_shared_from_this<client> {
  // The executor of the socket's loop: an io_context's (8 bytes), not an any_io_executor (56),
  // which converts from it wherever one is asked for.
  using loop_executor = boost::asio::io_context::executor_type;

  client(sio::socket& s, std::size_t loop_index)
      : client(loop_executor_of(s), loop_index, s.id(), s.transport(), s.remote_address()) {
    socket = &s;
  }
  // A client without a socket, for tests: what it is told goes through a client_io.
  client(loop_executor ex, std::size_t loop_index, std::string_view id,
         std::string_view transport_name, std::string address)
      : executor(ex),
        socket_id(id),
        remote_address(std::move(address)),
        loop(static_cast<std::uint32_t>(loop_index)),
        polling(transport_name == "polling") {}

  // Valid while the client is connected: the socket owns this state (socket::app_state), and
  // the client leaves every room before the socket goes away. Null in tests.
  sio::socket* socket = nullptr;
  // The socket's loop: validator and directory answers, and the auth deadline, complete here.
  loop_executor executor;
  // Who it is, once authenticated. Shared and immutable (auth::auth_result::who): a changed
  // identity is a new object assigned here.
  std::shared_ptr<const telecomx::identity> who;
  // Null unless this socket's events carry offsets (see client_recovery).
  std::unique_ptr<client_recovery> recovery;

  // Fixed at connect, for logs and REALTIME events (the socket may be gone by then). Kept in
  // place: the ids this server makes are 20 characters.
  util::short_id socket_id;
  std::string remote_address;
  // The token of the current identity, kept to re-validate it (SPEC §12). A secret: never log
  // it, never send it anywhere but the validator.
  std::string token;

  reported_info reported;
  std::chrono::system_clock::time_point connected_at = std::chrono::system_clock::now();

  // The authentication deadline (authenticator::start_deadline), only until it is met or the
  // client leaves: an authenticated client should not carry a timer it has finished with.
  std::unique_ptr<boost::asio::steady_timer> auth_timer;

  // Rate limits of this socket (auth-rate-per-socket, request-rate-per-socket,
  // subscribe-rate-per-socket).
  limits::token_bucket auth_attempts;
  limits::token_bucket requests;
  limits::token_bucket subscribe_ops;

  // SHA-1 of the token it authenticated with (revocation by token), never the token; raw
  // bytes, not hex text (auth::to_hex where text is needed).
  auth::token_sha1 token_digest{};
  std::uint32_t loop;  // the index of the socket's loop
  // Bumped by every authenticate and by the disconnect, so that a late validator or directory
  // answer for an earlier request is recognised and dropped.
  // 32 bits, not 64, so that the client takes a glibc size class less (296 bytes + make_shared's
  // 16 = 312 requested: a 320-byte chunk, not 336). They are only ever compared for equality
  // with a value taken from them, so a wrap-around matters only if an answer were outstanding
  // across exactly 2^32 bumps (authenticates are rate-limited per socket): harmless.
  std::uint32_t generation = 0;
  // Bumped whenever the expiry deadline changes (app/credentials): older heap entries are stale.
  std::uint32_t deadline_generation = 0;
  bool connected = true;
  bool tracked = false;  // in its loop's revalidation roster
  // The transport it connected with (socket::transport(): the Engine.IO server has two); one
  // byte where a view of the name took sixteen. Readers prefer the socket's, which follows an
  // upgrade.
  bool polling;
  std::string_view transport() const noexcept { return polling ? "polling" : "websocket"; }

 private:
  // A socket's executor is always its loop's io_context executor (sio::socket keeps the
  // io_context); anything else is a programming error, caught here at connect.
  static loop_executor loop_executor_of(const sio::socket& s) {
    const auto any = s.executor();
    const auto* ex = any.target<loop_executor>();
    if (ex == nullptr) throw std::logic_error("a socket's executor is not an io_context's");
    return *ex;
  }
};

}  // namespace txrt::telecomx
