#pragma once
// One client's connection to one namespace. Emits events and acknowledgements; holds the
// callbacks of the acknowledgements it asked for. Lives on its session's loop.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "protocol/socketio/packet.hpp"
#include "server/engine/types.hpp"
#include "server/util/short_id.hpp"

namespace boost::asio {
class io_context;
}

namespace txrt::engine {
class session;
}

namespace txrt::sio {

class connection;

using ack_callback =
    std::function<void(std::string_view raw_args, const std::vector<std::string>& attachments)>;

class socket : public std::enable_shared_from_this<socket> {
 public:
  // `nsp` must outlive the socket's attachment to its connection (the connection passes the
  // key of its namespace in `namespaces`, which is built at start-up and read-only after).
  // `owner` is told when the server disconnects the socket (disconnect()).
  socket(std::shared_ptr<engine::session> session, const std::string& nsp, std::string_view id,
         version protocol, connection* owner);
  ~socket();

  // Converts to std::string and std::string_view (it was a std::string).
  const util::short_id& id() const noexcept { return id_; }
  const std::string& nsp() const noexcept { return *nsp_; }
  // The private session id the CONNECT answer carried (recovery offered), else empty. A secret
  // between the server and this client: never log it, never send it to anyone else.
  const std::string& pid() const noexcept;
  void set_pid(std::string pid);
  // Hands the pid over to the application, which keeps it from then on (one copy per socket).
  std::string take_pid() noexcept;
  version protocol() const noexcept { return protocol_; }
  bool connected() const noexcept { return session_ != nullptr; }
  // "websocket" or "polling" (the session's current transport); empty once disconnected.
  std::string_view transport() const noexcept;
  // The client's address as the server sees it; empty once disconnected.
  std::string remote_address() const;
  // The executor of the socket's loop (for completions posted back to it).
  boost::asio::any_io_executor executor() const;

  // Emits `name` with `raw_args` (JSON elements, comma-separated, may be empty). When
  // `attachments` is not empty the args must hold their placeholders.
  void emit(std::string_view name, std::string_view raw_args = {},
            const std::vector<std::string>& attachments = {});
  void emit_with_ack(std::string_view name, std::string_view raw_args,
                     const std::vector<std::string>& attachments, ack_callback on_ack);
  // Answers the client's acknowledgement request `id`.
  void ack(std::uint64_t id, std::string_view raw_args,
           const std::vector<std::string>& attachments = {});
  // Queues a packet already encoded for this namespace ("42[...]"): the same bytes may be
  // queued on many sockets (fan-out) without a copy. Says whether it was queued, closed the
  // session as a slow consumer, or was dropped (the socket has left); callers may ignore it.
  engine::send_result send_encoded(const engine::outgoing& packet);
  // Prefetch hints for a fan-out that sends to many sockets in a row: each warms one more hop
  // of send_encoded (this socket, its session, the session's transport) and reads only what
  // the one before warmed, so a caller asks a few sockets ahead, one hop per step. They change
  // nothing.
  void prefetch() const noexcept { __builtin_prefetch(&session_); }
  void prefetch_session() const noexcept;
  void prefetch_transport() const noexcept;
  // Leaves the namespace from the server side (the client is told).
  void disconnect();
  // Closes the whole Engine.IO session as a lost transport would: the client reconnects by
  // itself (unlike disconnect(), which tells it not to).
  void close_transport();

  // Application state attached to the socket.
  std::shared_ptr<void> app_state;

  // --- for the connection ---
  void deliver_ack(std::uint64_t id, std::string_view raw_args,
                   const std::vector<std::string>& attachments);
  void detach();  // the connection is gone: drop the session and the pending callbacks

 private:
  void send_packet(packet_type type, std::optional<std::uint64_t> ack_id,
                   std::string_view payload, const std::vector<std::string>& attachments);

  // What only some sockets need: a pid (recovery offered), acknowledgements asked for.
  struct extras {
    std::string pid;
    std::uint64_t next_ack_id = 0;
    // The acknowledgements asked for and not yet answered, by id (ascending: ids only grow).
    std::vector<std::pair<std::uint64_t, ack_callback>> pending_acks;
  };
  extras& more();

  // Every idle socket carries these, so they are kept small: the namespace is a pointer to
  // the connection's key for it, not a copy; the id is inline (util::short_id); the server
  // disconnect goes to the owning connection itself, not through a std::function (32 bytes)
  // holding the same pointer; the pid and the acknowledgements exist only when used.
  std::shared_ptr<engine::session> session_;
  // The session's loop, kept past detach(); an io_context& rather than an any_io_executor (56
  // bytes) because every idle socket carries it.
  boost::asio::io_context& loop_;
  const std::string* nsp_;
  connection* owner_;  // null once detached
  std::unique_ptr<extras> extras_;
  util::short_id id_;
  version protocol_;  // fills the word with id_'s 23 bytes
};

}  // namespace txrt::sio
