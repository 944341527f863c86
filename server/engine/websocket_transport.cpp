#include "server/engine/websocket_transport.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/engine/session.hpp"
#include "server/metrics/metrics.hpp"

namespace txrt::engine {

namespace {

// queued_bytes_ changes only through this, which keeps txrt_outbound_queue_bytes in step.
void adjust_queued(std::uint64_t& queued, std::int64_t delta) noexcept {
  queued = static_cast<std::uint64_t>(static_cast<std::int64_t>(queued) + delta);
  metrics::outbound_queue_bytes.get().inc(delta);
}

}  // namespace

websocket_transport::websocket_transport(net::ip::tcp::socket socket,
                                         const engine_options& options, eio::version version)
    : ws_(std::move(socket)),
      close_timer_(ws_.get_executor()),
      options_(options),
      version_(version) {
  // Our own heartbeat (Engine.IO ping/pong) watches liveness, so Beast sends no pings of its
  // own; its timeouts still bound the opening and closing handshakes.
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(5);
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws_.set_option(t);
  ws_.read_message_max(options.max_payload);
  ws_.auto_fragment(false);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "txrt"); }));
}

websocket_transport::~websocket_transport() {
  adjust_queued(queued_bytes_, -static_cast<std::int64_t>(queued_bytes_));
}

void websocket_transport::accept(request req, std::function<void(bool)> done) {
  ws_.async_accept(req, [self = shared_from_this(), done = std::move(done)](beast::error_code ec) {
    if (ec) {
      self->open_ = false;
      done(false);
      return;
    }
    done(true);
  });
}

void websocket_transport::attach(std::shared_ptr<session> owner) {
  owner_ = std::move(owner);
  if (!reading_) do_read();
}

void websocket_transport::detach() { owner_.reset(); }

void websocket_transport::do_read() {
  reading_ = true;
  ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void websocket_transport::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (ec) {
    open_ = false;
    close_reason reason = close_reason::transport_error;
    if (ec == websocket::error::closed || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
      reason = close_reason::transport_close;
    else if (ec == websocket::error::message_too_big || ec == websocket::error::buffer_overflow)
      reason = close_reason::payload_too_large;
    if (reason == close_reason::payload_too_large) abort();
    report_closed(reason);
    return;
  }
  if (!owner_) {
    // A frame on a WebSocket that belongs to no session (e.g. a refused probe): drop it.
    read_buffer_.consume(read_buffer_.size());
    do_read();
    return;
  }
  auto data = read_buffer_.cdata();
  std::string_view frame(static_cast<const char*>(data.data()), data.size());
  // Keep the session alive across the call: it may close and release us.
  auto owner = owner_;
  if (ws_.got_text())
    owner->on_ws_text(*this, frame);
  else
    owner->on_ws_binary(*this, frame);
  read_buffer_.consume(read_buffer_.size());
  if (open_ && !closing_) do_read();
}

void websocket_transport::report_closed(close_reason reason) {
  if (auto owner = std::move(owner_)) owner->on_ws_closed(*this, reason);
}

void websocket_transport::send(const outgoing& packet) {
  if (!open_ || close_requested_) return;
  adjust_queued(queued_bytes_, static_cast<std::int64_t>(packet.bytes->size()));
  queue_.push_back(packet);
  if (!writing_) do_write();
}

void websocket_transport::do_write() {
  if (queue_.empty()) {
    if (close_requested_) do_close();
    return;
  }
  writing_ = true;
  const outgoing& front = queue_.front();
  ws_.text(!front.binary);
  net::const_buffer buffer(front.bytes->data(), front.bytes->size());
  if (front.binary && version_ == eio::version::v3) {
    scratch_.clear();
    eio::encode_ws_binary(version_, *front.bytes, scratch_);
    buffer = net::buffer(scratch_);
  }
  ws_.async_write(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_write(ec, n);
  });
}

void websocket_transport::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (!queue_.empty()) {
    adjust_queued(queued_bytes_, -static_cast<std::int64_t>(queue_.front().bytes->size()));
    queue_.pop_front();
  }
  if (ec) {
    open_ = false;
    queue_.clear();
    adjust_queued(queued_bytes_, -static_cast<std::int64_t>(queued_bytes_));
    abort();
    report_closed(close_reason::transport_error);
    return;
  }
  do_write();
}

void websocket_transport::close() {
  if (close_requested_ || !open_) {
    if (!open_) abort();
    return;
  }
  close_requested_ = true;
  // A client that stops reading never lets the write in flight finish, and the close frame
  // waits behind it: bound the whole closing so such a connection cannot linger.
  close_timer_.expires_after(std::chrono::seconds(5));
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->abort();
  });
  if (!writing_) do_close();
}

void websocket_transport::do_close() {
  if (closing_) return;
  closing_ = true;
  owner_.reset();
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
    // Beast tears the TCP connection down after the closing handshake; make sure of it even
    // when the handshake failed, so that the client sees the close at once.
    self->open_ = false;
    self->abort();
  });
}

void websocket_transport::abort() {
  close_timer_.cancel();
  open_ = false;
  beast::error_code ignored;
  auto& socket = beast::get_lowest_layer(ws_).socket();
  if (socket.is_open()) {
    socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
}

}  // namespace txrt::engine
