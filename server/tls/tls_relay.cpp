#include "server/tls/tls_relay.hpp"

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include "server/server_metrics.hpp"

namespace txrt::server::tls {

namespace {

// How long a closing connection may wait for the client's close_notify.
constexpr auto closing_bound = std::chrono::seconds(2);

std::atomic<int> handshakes_in_progress{0};

}  // namespace

tls_relay::tls_relay(server::tcp_socket socket, std::shared_ptr<net::ssl::context> context)
    : context_(std::move(context)),
      tls_(std::move(socket), *context_),
      plain_(tls_.get_executor()),
      timer_(tls_.get_executor()) {}

void tls_relay::start(ready_handler ready) {
  if (handshakes_in_progress.fetch_add(1, std::memory_order_relaxed) >= max_concurrent_handshakes) {
    handshakes_in_progress.fetch_sub(1, std::memory_order_relaxed);
    metrics::count_limited(metrics::limit::tls_handshakes);
    return close();
  }
  ready_ = std::move(ready);
  handshaking_ = true;
  timer_.expires_after(handshake_deadline);
  timer_.async_wait(
      [self = shared_from_this()](boost::system::error_code ec) { self->on_deadline(ec); });
  tls_.async_handshake(
      net::ssl::stream_base::server,
      [self = shared_from_this()](boost::system::error_code ec) { self->on_handshake(ec); });
}

void tls_relay::on_deadline(boost::system::error_code ec) {
  if (ec || !handshaking_) return;
  // Closing the socket ends the handshake with an error; on_handshake counts the timeout.
  timed_out_ = true;
  boost::system::error_code ignored;
  tls_.next_layer().close(ignored);
}

void tls_relay::on_handshake(boost::system::error_code ec) {
  handshaking_ = false;
  handshakes_in_progress.fetch_sub(1, std::memory_order_relaxed);
  timer_.cancel();
  if (timed_out_ || ec) {
    // Plain HTTP to this port, a client that does not trust the certificate, a scanner: the
    // client's affair, not an operator's, hence debug.
    metrics::count_tls_handshake(timed_out_ ? metrics::tls_result::timeout
                                            : metrics::tls_result::failed);
    spdlog::debug("tls handshake {}: {}", timed_out_ ? "timed out" : "failed", ec.message());
    return close();
  }
  metrics::count_tls_handshake(metrics::tls_result::ok);
  relay();
}

void tls_relay::relay() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    // Out of descriptors: like a failed accept, the failure is this client's alone.
    spdlog::warn("tls: socketpair failed: {}", std::strerror(errno));
    return close();
  }
  boost::system::error_code ec;
  plain_.assign(net::local::stream_protocol(), fds[0], ec);
  // The pipeline takes a TCP socket; it only reads, writes, waits and half-closes it, and
  // ignores the TCP options it sets (they fail on a local socket). The client's address is
  // given to it explicitly (the listener's ready handler).
  server::tcp_socket plain(tls_.get_executor());
  if (!ec) plain.assign(net::ip::tcp::v4(), fds[1], ec);
  if (ec) {
    spdlog::warn("tls: socketpair not usable: {}", ec.message());
    if (!plain.is_open()) ::close(fds[1]);
    if (!plain_.is_open()) ::close(fds[0]);
    return close();
  }
  do_read_client();
  do_read_plain();
  auto ready = std::move(ready_);
  ready(std::move(plain));
}

// ---------------------------------------------------------------------------------------------
// Client -> plain side

void tls_relay::do_read_client() {
  tls_.async_read_some(net::buffer(from_client_),
                       [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                         self->on_read_client(ec, n);
                       });
}

void tls_relay::on_read_client(boost::system::error_code ec, std::size_t n) {
  if (closed_) return;
  if (ec) {
    // The client is done sending (close_notify, or a TCP FIN without it): the plain side reads
    // EOF and finishes its answers, then closes its end (on_read_plain). Anything else (a
    // reset, a bad record) ends the connection.
    if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      boost::system::error_code ignored;
      plain_.shutdown(net::socket_base::shutdown_send, ignored);
      return;
    }
    if (!shutting_down_) close();
    return;
  }
  net::async_write(plain_, net::buffer(from_client_.data(), n),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     self->on_write_plain(ec);
                   });
}

void tls_relay::on_write_plain(boost::system::error_code ec) {
  if (closed_) return;
  if (ec) return close();
  do_read_client();
}

// ---------------------------------------------------------------------------------------------
// Plain side -> client

void tls_relay::do_read_plain() {
  plain_.async_read_some(net::buffer(from_plain_),
                         [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                           self->on_read_plain(ec, n);
                         });
}

void tls_relay::on_read_plain(boost::system::error_code ec, std::size_t n) {
  if (closed_) return;
  if (ec == net::error::eof) return shut_down_tls();
  if (ec) return close();
  net::async_write(tls_, net::buffer(from_plain_.data(), n),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     self->on_write_client(ec);
                   });
}

void tls_relay::on_write_client(boost::system::error_code ec) {
  if (closed_) return;
  if (ec) return close();
  do_read_plain();
}

// ---------------------------------------------------------------------------------------------
// Closing

void tls_relay::shut_down_tls() {
  // Everything the plain side wrote has been written to the client (one write at a time, and
  // EOF comes after the last). Send close_notify and wait, bounded, for the client's; Asio's
  // stream lets the shutdown wait for the client read still pending.
  shutting_down_ = true;
  timer_.expires_after(closing_bound);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->close();
  });
  tls_.async_shutdown([self = shared_from_this()](boost::system::error_code) { self->close(); });
}

void tls_relay::close() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  tls_.next_layer().close(ignored);
  plain_.close(ignored);
}

}  // namespace txrt::server::tls
