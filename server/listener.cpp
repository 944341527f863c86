#include "server/listener.hpp"

#include <stdexcept>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "server/http/http_connection.hpp"

namespace txrt::server {

listener::listener(loop_pool& loops, const net::ip::tcp::endpoint& endpoint,
                   const http::router& routes)
    : loops_(loops), acceptor_(loops.loop(0)), routes_(routes) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::start() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void listener::do_accept() {
  auto& loop = loops_.loop(next_loop_);
  next_loop_ = (next_loop_ + 1) % loops_.size();
  acceptor_.async_accept(loop, [self = shared_from_this()](boost::system::error_code ec,
                                                           net::ip::tcp::socket socket) {
    if (!self->acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors and the like: keep accepting; the failure is the client's alone.
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      boost::system::error_code ignored;
      socket.set_option(net::ip::tcp::no_delay(true), ignored);
      std::make_shared<http::http_connection>(std::move(socket), self->routes_)->start();
    }
    self->do_accept();
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
