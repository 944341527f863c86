#pragma once
// One client connection to a TLS listener (tls-cert / tls-key): the TLS handshake, bounded in
// time and in number, and then a relay of the plain bytes both ways between the TLS stream and
// one end of a socketpair. The other end is handed to the plain pipeline (http_connection, then
// the WebSocket transport or a long-polling request), which runs unchanged on it as if it were
// the TCP connection.
//
// Why a relay and not TLS inside the pipeline (docs/tls.md): the WebSocket transport writes
// the frames of a loop turn with one gathered sendmsg on the descriptor, and reads by waiting
// for readability and reading without blocking; both are what make the plain fan-out cheap, and
// neither works through an SSL stream. Teaching every transport a second kind of stream would
// touch the hottest code of the server; the relay touches none of it. Its cost is honest and
// bounded: per message one more copy and a few more syscalls (a read and a write on the
// socketpair), and per connection the TLS state plus two relay buffers. For a high fan-out,
// terminate TLS in the load balancer.
//
// Back-pressure is end to end: the relay reads the plain side only after the previous TLS write
// completed, so a client that does not read fills the socketpair and then the WebSocket's own
// queue, whose send-queue-bytes bound applies as on a plain connection.
//
// Lives on the loop of its TCP connection; must not be called from another thread.
#include <array>
#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/tcp_socket.hpp"

namespace txrt::server::tls {

namespace net = boost::asio;

// A handshake not finished by then is abandoned (txrt_tls_handshakes_total{result="timeout"}).
inline constexpr std::chrono::seconds handshake_deadline{10};
// Handshakes in progress in the whole process; a connection past it is closed at once
// (txrt_limited_total{limit="tls_handshakes"}). A handshake costs CPU, and a peer that opens
// connections and never finishes one must not hold memory without bound.
inline constexpr int max_concurrent_handshakes = 1024;

class tls_relay : public std::enable_shared_from_this<tls_relay> {
 public:
  // The plain end of the socketpair, as the TCP socket type the pipeline takes. Called once,
  // on this loop, after a successful handshake (never after a failed one).
  using ready_handler = std::function<void(server::tcp_socket plain)>;

  tls_relay(server::tcp_socket socket, std::shared_ptr<net::ssl::context> context);

  // Starts the handshake, or closes the connection at once when too many are in progress.
  void start(ready_handler ready);

 private:
  void on_deadline(boost::system::error_code ec);
  void on_handshake(boost::system::error_code ec);
  // Creates the socketpair, starts both directions and hands the plain end over.
  void relay();

  // Client -> plain side.
  void do_read_client();
  void on_read_client(boost::system::error_code ec, std::size_t n);
  void on_write_plain(boost::system::error_code ec);
  // Plain side -> client.
  void do_read_plain();
  void on_read_plain(boost::system::error_code ec, std::size_t n);
  void on_write_client(boost::system::error_code ec);

  // The plain side closed its end: close_notify to the client, then close (bounded).
  void shut_down_tls();
  void close();

  std::shared_ptr<net::ssl::context> context_;  // outlives the stream that uses it
  net::ssl::stream<server::tcp_socket> tls_;
  net::local::stream_protocol::socket plain_;
  net::steady_timer timer_;  // the handshake deadline, then the bound on closing
  ready_handler ready_;
  bool handshaking_ = false;
  bool timed_out_ = false;
  bool shutting_down_ = false;
  bool closed_ = false;
  // Client messages are small; the server's (events, fan-out) fill a TLS record.
  std::array<char, 8 * 1024> from_client_;
  std::array<char, 16 * 1024> from_plain_;
};

}  // namespace txrt::server::tls
