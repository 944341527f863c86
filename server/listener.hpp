#pragma once
// Accepts TCP connections on one address, with one acceptor per loop (SO_REUSEPORT: the kernel
// spreads the connections); each lives on the loop that accepted it, as an http_connection,
// for the rest of its life. With a connection limiter, a
// connection past max-connections / max-connections-per-ip is closed at once, before a byte is
// read, and counted (txrt_limited_total); an admitted one holds its slot until its
// http_connection is gone (a WebSocket is counted from then on as a session, see
// server/limits/session_limit.hpp).
//
// With TLS (tls-cert), each admitted connection first does its TLS handshake and is then
// relayed (server/tls/tls_relay.hpp): the http_connection runs on the plain end of a
// socketpair and is told the client's address, which that socket cannot give.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "protocol/forwarded.hpp"
#include "server/http/router.hpp"
#include "server/limits/connection_limiter.hpp"
#include "server/loop_pool.hpp"
#include "server/tcp_socket.hpp"
#include "server/tls/certificates.hpp"

namespace txrt::server {

class counted_slot;  // a connection's slot (listener.cpp)

class listener : public std::enable_shared_from_this<listener> {
 public:
  // Binds and listens at once (throws on a bad address: configuration fails fast).
  // `limiter` may be null (no limits); peers in `trusted_proxies` (load balancers, whose
  // clients are many) are counted against the node only, not per address. With `tls`, the
  // listener speaks only TLS, with the certificate `tls` holds at each accept.
  listener(loop_pool& loops, const net::ip::tcp::endpoint& endpoint, const http::router& routes,
           limits::connection_limiter* limiter = nullptr,
           protocol::address_ranges trusted_proxies = {},
           std::shared_ptr<tls::certificates> tls = nullptr);

  net::ip::tcp::endpoint local_endpoint() const { return acceptors_.front().local_endpoint(); }
  void start();
  // Stops accepting; call from any thread.
  void stop();

 private:
  void do_accept(std::size_t index);
  // Counts `socket` against the limits and starts its http_connection, or closes it.
  void admit(tcp_socket socket);
  // On the connection's loop: the TLS handshake, then the http_connection on the relay's plain
  // end. `peer`: the client's address if already asked ("" asks the socket). `slot` may be
  // null (no limiter).
  void start_tls(tcp_socket socket, std::string peer, std::shared_ptr<counted_slot> slot);

  loop_pool& loops_;
  // one per loop, on that loop; what they accept is a tcp_socket
  std::vector<tcp_acceptor> acceptors_;
  const http::router& routes_;
  limits::connection_limiter* limiter_;
  protocol::address_ranges trusted_proxies_;
  std::shared_ptr<tls::certificates> tls_;  // null: plain HTTP
};

// "0.0.0.0:3000", "127.0.0.1:0", "[::1]:3000", "localhost:3000" -> endpoint. Throws
// std::invalid_argument with a message on a bad value.
net::ip::tcp::endpoint parse_endpoint(const std::string& listen);

}  // namespace txrt::server
