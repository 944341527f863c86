#pragma once
// One Engine.IO endpoint (e.g. "/socket.io/"): validates requests, opens sessions and routes
// every later request to its session.
//
// Sessions are sharded by loop: a session lives on the loop of the connection that opened it,
// and its sid starts with that loop's index (two hex digits), so a request arriving on any loop
// is posted to the right one without a shared, locked map.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "protocol/engineio/handshake.hpp"
#include "server/engine/polling.hpp"
#include "server/engine/types.hpp"
#include "server/http/message.hpp"
#include "server/loop_pool.hpp"
#include "server/tcp_socket.hpp"

namespace txrt::engine {

class session_registry;
class websocket_transport;
namespace net = boost::asio;

class engine_server {
 public:
  // `admission`, when not null, decides which sessions may open (and must outlive them).
  engine_server(server::loop_pool& loops, engine_options options, handler_factory factory,
                session_admission* admission = nullptr);
  ~engine_server();

  const engine_options& options() const noexcept { return options_; }

  // A long-polling request, called on the connection's loop. `respond` may be called on
  // another loop (the connection's responder posts back). `get_id` identifies a GET so that
  // its connection can report it aborted. `too_large`: the body exceeded maxPayload.
  void handle_polling(const http::request& req, const eio::engine_query& query,
                      std::uint64_t get_id, bool too_large, std::string_view remote_address,
                      polling_responder respond);
  void polling_get_aborted(const std::string& sid, std::uint64_t get_id);

  // A WebSocket upgrade request; the engine takes over the TCP connection. `peer`: the
  // client's address when the socket cannot tell it (a TLS relay's plain end); empty = the
  // socket's remote address.
  void handle_upgrade(server::tcp_socket socket, http::request req,
                      const eio::engine_query& query, const std::string& peer = {});

  // Validates the parts of a query that every request needs. Returns an error answer, or
  // nothing when the request may proceed.
  std::optional<polling_response> validate(const eio::engine_query& query) const;

  // Closes every session (call from any thread; each loop closes its own).
  void close_all(close_reason reason);
  // The same, each session at a random moment within `spread` (SIGTERM: the clients reconnect
  // to the other nodes spread over it rather than all at once).
  void close_all_spread(close_reason reason, std::chrono::milliseconds spread);
  // Sessions on every loop (approximate while loops run; for metrics and tests).
  std::size_t session_count() const;

 private:
  std::size_t loop_of(const std::string& sid) const;
  std::string new_sid(std::size_t loop_index) const;
  void open_websocket_session(server::tcp_socket socket, http::request req,
                              eio::version version, std::size_t loop_index,
                              std::string remote_address);
  // Starts `s` (its remote address set) with a handler from the factory if it is let in;
  // one refused is closed (server_close) as soon as it has opened.
  void start_session(const std::shared_ptr<session>& s, std::shared_ptr<websocket_transport> ws);
  void upgrade_on_owner_loop(server::tcp_socket socket, http::request req,
                             const std::string& sid, std::size_t loop_index);

  server::loop_pool& loops_;
  engine_options options_;
  handler_factory factory_;
  std::vector<std::unique_ptr<session_registry>> registries_;  // one per loop
};

}  // namespace txrt::engine
