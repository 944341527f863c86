#pragma once
// A session opened on a WebSocket (most are) together with that WebSocket, in one allocation.
//
// Why: the two live and die together (the session writes only to it; it delivers only to the
// session, and outlives it only for its closing handshake, which now keeps the block alive
// instead), so one block saves a shared_ptr control block and an allocator header per idle
// session. The session is the base, so make_shared sets its enable_shared_from_this as for any
// session; the transport is a member, kept alive through a shared_ptr aliasing the block
// (embedded_transport::self: it finds the block through its session, so it carries no pointer
// of its own to it).
//
// A polling session that upgrades gets a transport of its own (websocket_transport::make):
// it had no WebSocket when it was made.
#include <memory>
#include <string_view>

#include "server/engine/session.hpp"
#include "server/engine/session_registry.hpp"
#include "server/engine/websocket_transport.hpp"

namespace txrt::engine {

class websocket_session final : public session {
 public:
  // Made with its transport, ready to accept the upgrade; started (and registered) once the
  // upgrade is answered.
  static std::shared_ptr<websocket_session> make(session_registry& registry,
                                                 const engine_options& options,
                                                 std::string_view sid, eio::version version,
                                                 server::tcp_socket socket) {
    return std::make_shared<websocket_session>(registry, options, sid, version,
                                               std::move(socket));
  }

  websocket_session(session_registry& registry, const engine_options& options,
                    std::string_view sid, eio::version version, server::tcp_socket socket)
      : session(registry.loop(), registry, options, sid, version, false),
        transport_(*this, std::move(socket), options, version) {}

  // The transport, sharing this session's ownership.
  std::shared_ptr<websocket_transport> transport() { return transport_.self(); }

 private:
  class embedded_transport final : public websocket_transport {
   public:
    embedded_transport(websocket_session& host, server::tcp_socket socket,
                       const engine_options& options, eio::version version)
        : websocket_transport(std::move(socket), options, version), host_(host) {}
    std::shared_ptr<websocket_transport> self() override {
      return std::shared_ptr<websocket_transport>(host_.shared_from_this(), this);
    }

   private:
    websocket_session& host_;
  };
  embedded_transport transport_;
};

}  // namespace txrt::engine
