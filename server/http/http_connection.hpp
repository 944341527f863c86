#pragma once
// One TCP connection speaking HTTP/1.1: reads requests (headers within a deadline, bodies
// bounded), routes them, and writes answers in order (keep-alive). A long-polling GET may be
// held open until its session has something to send; meanwhile the connection watches for the
// client going away, which ends that session. A WebSocket upgrade hands the TCP connection over
// to the Engine.IO endpoint. Lives on one loop.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include "server/engine/polling.hpp"
#include "server/http/message.hpp"
#include "server/http/router.hpp"
#include "server/tcp_socket.hpp"

namespace txrt::http {

class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  // `peer`: the client's address when `socket` cannot tell it (the plain end of a TLS relay);
  // empty = the socket's remote address.
  http_connection(server::tcp_socket socket, const router& routes, std::string peer = {});
  void start();

 private:
  void do_read();
  void on_header(boost::beast::error_code ec);
  // Answers 431 / 400 to headers that are too large or do not parse, else just closes.
  void refuse_header(boost::beast::error_code ec);
  void on_body(boost::beast::error_code ec);
  // The body is over max_body (announced or read so far): handle() with body_too_large_ set,
  // the headers only, and no keep-alive.
  void refuse_body();
  void handle();
  void handle_engine(const router::engine_endpoint& endpoint, std::string_view target);
  void write(response res);
  void on_write(boost::beast::error_code ec, bool keep_alive);
  void on_engine_answer(engine::polling_response answer);
  void watch_for_close();
  void on_watch(boost::beast::error_code ec, std::size_t bytes);
  void close();
  void drain();
  // The TCP peer's address ("" when unknown), before X-Forwarded-For.
  std::string peer_address();

  // On the loop's own executor type (server/tcp_socket.hpp), as the socket it takes.
  boost::beast::basic_stream<boost::asio::ip::tcp, server::loop_executor> stream_;
  boost::beast::flat_buffer buffer_;
  const router& routes_;
  std::string peer_;  // given (TLS), else asked of the socket when needed
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  request req_;
  bool body_too_large_ = false;

  // A request handed to an Engine.IO endpoint, waiting for its answer.
  bool awaiting_engine_ = false;
  std::string awaiting_sid_;
  std::uint64_t awaiting_get_id_ = 0;
  engine::engine_server* awaiting_engine_server_ = nullptr;
  bool watching_ = false;
  bool resume_after_watch_ = false;
  bool closed_ = false;
};

}  // namespace txrt::http
