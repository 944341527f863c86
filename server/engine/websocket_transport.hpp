#pragma once
// The WebSocket transport of an Engine.IO session: owns the Beast stream, reads frames into
// the session, and writes queued packets with exactly one write in flight.
// Lives on its session's loop; must not be called from another thread.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "server/engine/live_count.hpp"
#include "server/engine/types.hpp"

namespace txrt::engine {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

class websocket_transport : public std::enable_shared_from_this<websocket_transport> {
 public:
  using request = beast::http::request<beast::http::string_body>;

  websocket_transport(net::ip::tcp::socket socket, const engine_options& options,
                      eio::version version);
  ~websocket_transport();

  // Completes the upgrade of `req`; `done(true)` once the 101 answer is written.
  void accept(request req, std::function<void(bool)> done);
  // Starts delivering frames to `owner`. The transport keeps the session alive while reading.
  void attach(std::shared_ptr<session> owner);
  // Detaches without closing (used when a probe loses its session).
  void detach();

  void send(const outgoing& packet);
  // Closes after the queued packets are written (close frame, then TCP close).
  void close();
  // Closes the TCP connection at once.
  void abort();

  std::uint64_t queued_bytes() const noexcept { return queued_bytes_; }
  bool is_open() const noexcept { return open_; }

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void do_close();
  void report_closed(close_reason reason);

  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer close_timer_;  // bounds a close that a non-reading client would stall
  const engine_options& options_;
  eio::version version_;
  beast::flat_buffer read_buffer_;
  std::shared_ptr<session> owner_;

  std::deque<outgoing> queue_;
  std::string scratch_;  // v3 binary frames need the type byte in front of the bytes
  std::uint64_t queued_bytes_ = 0;
  bool writing_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  bool open_ = true;
  bool reading_ = false;
  live_count live_;  // the graceful shutdown waits for every one to go
};

}  // namespace txrt::engine
