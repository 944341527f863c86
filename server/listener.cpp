#include "server/listener.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "server/http/http_connection.hpp"
#include "server/server_metrics.hpp"
#include "server/tls/tls_relay.hpp"

namespace txrt::server {

// A connection's slot and its place in txrt_connection_slots, given back together: by
// release_slot when its http_connection goes, or when destroyed (a TLS connection whose
// handshake failed never had one).
class counted_slot {
 public:
  counted_slot(limits::connection_limiter& limiter, std::string address)
      : slot_(limiter, std::move(address)) {
    metrics::connection_slots.get().inc();
  }
  counted_slot(const counted_slot&) = delete;
  counted_slot& operator=(const counted_slot&) = delete;
  ~counted_slot() { release(); }
  void release() {
    if (!held_) return;
    held_ = false;
    slot_.release();
    metrics::connection_slots.get().dec();
  }

 private:
  limits::connection_slot slot_;
  bool held_ = true;
};

namespace {

// The slot is released when the connection object goes: after its last request, or when it
// hands a WebSocket over to the engine. A deleter rather than a member, so that http_connection
// needs no change (its shared_from_this() shares this control block).
struct release_slot {
  std::shared_ptr<counted_slot> slot;
  void operator()(http::http_connection* c) const {
    delete c;
    slot->release();
  }
};

// Starts an http_connection on `socket`'s loop (the caller is on it), holding `slot` (may be
// null) until it goes. `peer`: the client's address, when known (always for TLS, whose plain
// socket cannot tell it).
void start_http(tcp_socket socket, std::string peer, const http::router& routes,
                std::shared_ptr<counted_slot> slot) {
  if (!slot) {
    std::make_shared<http::http_connection>(std::move(socket), routes, std::move(peer))->start();
    return;
  }
  std::shared_ptr<http::http_connection> connection(
      new http::http_connection(std::move(socket), routes, std::move(peer)),
      release_slot{std::move(slot)});
  connection->start();
}

}  // namespace

listener::listener(loop_pool& loops, const net::ip::tcp::endpoint& endpoint,
                   const http::router& routes, limits::connection_limiter* limiter,
                   protocol::address_ranges trusted_proxies, std::shared_ptr<tls::certificates> tls)
    : loops_(loops),
      routes_(routes),
      limiter_(limiter),
      trusted_proxies_(std::move(trusted_proxies)),
      tls_(std::move(tls)) {
  // One acceptor per loop on the same port (SO_REUSEPORT): the kernel spreads the connections,
  // and each loop accepts its own, with no hand-over from an accepting loop (a post, and a
  // wake-up of the other loop's epoll) per connection. The first binds the port (0 picks one),
  // the others join it.
  acceptors_.reserve(loops.size());
  auto bound = endpoint;
  if (loops.size() > 1 && endpoint.port() != 0) {
    // SO_REUSEPORT would let this process join a port another one (same user, also with
    // SO_REUSEPORT: a second txrt) listens on, and share its clients. A plain bind first keeps
    // the fail-fast "address in use" of a single acceptor.
    net::ip::tcp::acceptor probe(loops.loop(0), endpoint.protocol());
    probe.set_option(net::socket_base::reuse_address(true));
    probe.bind(endpoint);
  }
  for (std::size_t i = 0; i < loops.size(); ++i) {
    auto& acceptor = acceptors_.emplace_back(loops.loop(i));
    acceptor.open(bound.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    if (loops.size() > 1) {
      const int on = 1;
      if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
        throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
    }
    acceptor.bind(bound);
    acceptor.listen(net::socket_base::max_listen_connections);
    bound = acceptor.local_endpoint();
  }
}

void listener::start() {
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    net::post(acceptors_[i].get_executor(), [self = shared_from_this(), i] { self->do_accept(i); });
  }
}

void listener::stop() {
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    net::post(acceptors_[i].get_executor(), [self = shared_from_this(), i] {
      boost::system::error_code ignored;
      self->acceptors_[i].close(ignored);
    });
  }
}

void listener::do_accept(std::size_t index) {
  auto& acceptor = acceptors_[index];
  acceptor.async_accept([self = shared_from_this(), index](boost::system::error_code ec,
                                                           tcp_socket socket) {
    if (!self->acceptors_[index].is_open()) return;
    if (ec) {
      // Out of descriptors and the like: keep accepting; the failure is the client's alone.
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      self->admit(std::move(socket));
    }
    self->do_accept(index);
  });
}

void listener::admit(tcp_socket socket) {
  // Once per connection, here: nothing later sets these again. Non-blocking for good (the
  // WebSocket transport reads and writes without waiting; everything else is asynchronous,
  // and Asio then has no descriptor flag of its own to set). Frames are gathered per loop turn;
  // Nagle would only hold the next write back until the peer's delayed ACK.
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.set_option(net::ip::tcp::no_delay(true), ignored);
  if (!limiter_) {
    if (tls_) return start_tls(std::move(socket), {}, nullptr);
    std::make_shared<http::http_connection>(std::move(socket), routes_)->start();
    return;
  }
  // The peer's address, asked once: counted here, and handed to the connection (which would
  // otherwise ask the socket again for its client address).
  const auto endpoint = socket.remote_endpoint(ignored);
  std::string peer = ignored ? std::string() : endpoint.address().to_string();
  std::string address = trusted_proxies_.contains(peer) ? std::string() : peer;
  switch (limiter_->try_acquire(address)) {
    case limits::admission::admitted:
      break;
    case limits::admission::node_full:
      metrics::count_limited(metrics::limit::connections);
      socket.close(ignored);
      return;
    case limits::admission::address_full:
      metrics::count_limited(metrics::limit::connections_per_ip);
      socket.close(ignored);
      return;
  }
  // Created on the connection's own loop, so that every reference to it is held there: a
  // reference held here (loop 0) could outlive a WebSocket handover on the other loop, and the
  // new session would find the slot of its own HTTP connection still taken. A TLS connection
  // holds its slot from the accept, through its handshake.
  auto slot = std::make_shared<counted_slot>(*limiter_, std::move(address));
  if (tls_) return start_tls(std::move(socket), std::move(peer), std::move(slot));
  auto executor = socket.get_executor();
  net::post(executor, [&routes = routes_, socket = std::move(socket), peer = std::move(peer),
                       slot = std::move(slot)]() mutable {
    start_http(std::move(socket), std::move(peer), routes, std::move(slot));
  });
}

void listener::start_tls(tcp_socket socket, std::string peer,
                         std::shared_ptr<counted_slot> slot) {
  auto executor = socket.get_executor();
  net::post(executor, [&routes = routes_, tls = tls_, socket = std::move(socket),
                       address = std::move(peer), slot = std::move(slot)]() mutable {
    if (address.empty()) {
      boost::system::error_code ec;
      const auto endpoint = socket.remote_endpoint(ec);
      if (!ec) address = endpoint.address().to_string();
    }
    auto relay = std::make_shared<tls::tls_relay>(std::move(socket), tls->current());
    relay->start([&routes, address = std::move(address),
                  slot = std::move(slot)](tcp_socket plain) mutable {
      start_http(std::move(plain), std::move(address), routes, std::move(slot));
    });
  });
}

net::ip::tcp::endpoint parse_endpoint(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("expected host:port");
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) host = "0.0.0.0";
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw std::invalid_argument("bad port in '" + listen + "'");
  }
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("bad address in '" + listen + "'");
  return {address, static_cast<unsigned short>(port)};
}

}  // namespace txrt::server
