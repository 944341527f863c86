#pragma once
// Accepts TCP connections on one address and hands each to a loop, round-robin, where it
// lives as an http_connection for the rest of its life.
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "server/http/router.hpp"
#include "server/loop_pool.hpp"

namespace txrt::server {

class listener : public std::enable_shared_from_this<listener> {
 public:
  // Binds and listens at once (throws on a bad address: configuration fails fast).
  listener(loop_pool& loops, const net::ip::tcp::endpoint& endpoint, const http::router& routes);

  net::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void start();
  // Stops accepting; call from any thread.
  void stop();

 private:
  void do_accept();

  loop_pool& loops_;
  net::ip::tcp::acceptor acceptor_;
  const http::router& routes_;
  std::size_t next_loop_ = 0;
};

// "0.0.0.0:3000", "127.0.0.1:0", "[::1]:3000", "localhost:3000" -> endpoint. Throws
// std::invalid_argument with a message on a bad value.
net::ip::tcp::endpoint parse_endpoint(const std::string& listen);

}  // namespace txrt::server
