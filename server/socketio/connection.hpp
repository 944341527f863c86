#pragma once
// The Socket.IO layer over one Engine.IO session: decodes packets, reassembles binary
// attachments, joins namespaces and dispatches events to their handlers.
//
// Pipeline: Engine.IO message (text) -> sio::decode -> CONNECT / DISCONNECT / EVENT / ACK,
// or BINARY_EVENT / BINARY_ACK, which wait here for their attachments (the next Engine.IO
// binary messages) before dispatch. Anything malformed closes the whole Engine.IO session,
// as the reference server does.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/container/small_vector.hpp>

#include "server/engine/types.hpp"
#include "server/socketio/namespace_handler.hpp"
#include "server/socketio/socket.hpp"

namespace txrt::sio {

class connection : public engine::session_handler {
 public:
  connection(engine::session& session, const namespaces& spaces);
  ~connection() override;

  void on_open() override;
  void on_message(std::string_view text) override;
  void on_binary(std::string_view bytes) override;
  void on_close(engine::close_reason reason) override;

  // --- for its sockets ---
  // `gone` was disconnected by the server (socket::disconnect()): it leaves, and its handler
  // is told.
  void on_server_disconnect(socket& gone);

 private:
  using socket_list = boost::container::small_vector<std::shared_ptr<socket>, 1>;
  // What only some connections need, made on first use and kept small otherwise: a binary
  // packet waiting for its attachments, namespaces waiting for a recovery answer, an
  // admission's state on its way to the socket.
  struct rare_state {
    // A binary packet waiting for its attachments.
    std::string pending_text;
    std::uint32_t pending_expected = 0;
    std::uint64_t pending_bytes = 0;  // text + attachments so far, against max_binary_bytes
    std::vector<std::string> pending_attachments;
    // Namespaces whose CONNECT waits for a recovery answer (a second CONNECT is ignored); at
    // most one entry per namespace.
    std::vector<std::string> recovering;
    // Set by admit_later's answer just before it replays the CONNECT (then moved to the socket).
    std::shared_ptr<void> admitted_state;
  };
  rare_state& rare();
  bool awaiting_attachments() const noexcept { return rare_ && rare_->pending_expected > 0; }

  void dispatch(const packet& p, const std::vector<std::string>& attachments);
  void connect(const packet& p);
  // Creates the socket, queues the CONNECT answer, then resumes a recovered session or calls
  // on_connect.
  void open_socket(namespace_handler& handler, const std::string& nsp, std::string auth,
                   std::optional<recovered_session> recovered, std::string pid);
  void connect_error(std::string_view nsp, std::string_view message);
  // CONNECT to a namespace whose handler admits later (server/socketio/admission.cpp).
  void admit_later(namespace_handler& handler, const packet& p);
  void leave(const std::string& nsp, disconnect_reason reason);
  socket_list::iterator find_socket(std::string_view nsp);
  void protocol_error();

  engine::session& session_;
  const namespaces& spaces_;
  version protocol_;
  bool closed_ = false;  // beside protocol_: one word for both (one per session)
  // The sockets of the namespaces joined, in joining order, found by their nsp(). A vector, not
  // a map: a client joins one namespace, rarely a few, and a map node per session costs more;
  // the one socket most connections have is kept inline (no heap block of its own).
  socket_list sockets_;
  std::unique_ptr<rare_state> rare_;

  // The CONNECT deadline (v5), only until the first namespace is joined: an idle connection
  // should not carry a timer it has finished with.
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;
};

// A factory for engine_server: every session gets a Socket.IO connection over `spaces`.
engine::handler_factory make_connection_factory(const namespaces& spaces);

}  // namespace txrt::sio
