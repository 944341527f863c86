#include "server/engine/websocket_transport.hpp"

#include <array>
#include <optional>

#include "protocol/websocket/permessage_deflate.hpp"
#include "server/engine/compression.hpp"
#include "server/engine/session.hpp"
#include "server/server_metrics.hpp"

namespace txrt::engine {

namespace ws = protocol::ws;

namespace {

constexpr auto close_bound = std::chrono::seconds(5);
// A loop keeps reading a busy socket at most this many times before serving the others.
constexpr int max_reads_per_wake = 4;

// Per-loop scratch. Every transport of a loop lives on that loop's one thread, and a read's
// messages are handled before the next read on the thread, so one read buffer serves every
// connection of the loop (the sends' iovecs: websocket_transport_send.cpp).
struct loop_scratch {
  std::array<char, 64 * 1024> read_buffer;
  ws::inflater inflater;  // permessage-deflate: no context takeover, so one per loop
  std::string inflated;   // the message being handled, when it came compressed
};

loop_scratch& this_loop() {
  thread_local auto scratch = std::make_unique<loop_scratch>();
  return *scratch;
}

bool would_block(const boost::system::error_code& ec) {
  return ec == net::error::would_block || ec == net::error::try_again;
}

}  // namespace

outgoing make_text_frame(std::string_view packet) {
  return make_text_frame(std::span<const std::string_view>(&packet, 1));
}

outgoing make_text_frame(std::span<const std::string_view> packet_parts) {
  std::size_t packet_size = 0;
  for (const auto part : packet_parts) packet_size += part.size();
  auto frame = ws::encode_frame(ws::opcode::text, packet_parts);
  const auto header = static_cast<std::uint8_t>(frame.size() - packet_size);
  return {make_shared_bytes(std::move(frame)), false, header};
}

namespace {

// A transport of its own: a probe WebSocket, made after its session.
class standalone_transport final : public websocket_transport,
                                   public std::enable_shared_from_this<standalone_transport> {
 public:
  standalone_transport(server::tcp_socket socket, const engine_options& options,
                       eio::version version)
      : websocket_transport(std::move(socket), options, version) {}

 private:
  std::shared_ptr<websocket_transport> self() override { return shared_from_this(); }
};

}  // namespace

std::shared_ptr<websocket_transport> websocket_transport::make(server::tcp_socket socket,
                                                               const engine_options& options,
                                                               eio::version version) {
  return std::make_shared<standalone_transport>(std::move(socket), options, version);
}

websocket_transport::websocket_transport(server::tcp_socket socket,
                                         const engine_options& options, eio::version version)
    : version_(version),
      socket_(std::move(socket)),
      options_(options),
      reader_(ws::reader::role::server, options.max_payload) {}

websocket_transport::~websocket_transport() {
  drop_queue();
  if (deflate_) count_deflate_session(-1);
}

void websocket_transport::attach(session& owner) {
  owner_ = &owner;
  if (!reading_) do_wait_readable();
}

std::shared_ptr<session> websocket_transport::owner() const {
  return owner_ ? owner_->shared_from_this() : nullptr;
}

// ---------------------------------------------------------------------------------------------
// Reading

void websocket_transport::do_wait_readable() {
  if (!open_) return;
  reading_ = true;
  socket_.async_wait(net::ip::tcp::socket::wait_read,
                     [self = self()](boost::system::error_code ec) {
                       self->on_readable(ec);
                     });
}

void websocket_transport::on_readable(boost::system::error_code ec) {
  reading_ = false;
  if (!open_) return;
  if (ec) {
    abort();
    report_closed(close_reason::transport_error);
    return;
  }
  auto keep = self();  // the owner may release us while handling a message
  auto& buffer = this_loop().read_buffer;
  for (int round = 0; round < max_reads_per_wake; ++round) {
    boost::system::error_code read_ec;
    const auto n = socket_.read_some(net::buffer(buffer), read_ec);
    if (would_block(read_ec)) break;
    if (read_ec) {
      // EOF or reset: the peer is gone (or has answered our close).
      abort();
      report_closed(read_ec == net::error::eof || read_ec == net::error::connection_reset
                        ? close_reason::transport_close
                        : close_reason::transport_error);
      return;
    }
    if (!deliver(std::span<char>(buffer.data(), n))) return;
    if (!open_) return;
    if (n < buffer.size()) break;
  }
  do_wait_readable();
}

bool websocket_transport::deliver(std::span<char> input) {
  // After our close frame, what the peer sends is read only to see its end.
  if (close_queued_) return true;
  for (;;) {
    ws::reader::message m;
    const auto status = reader_.next(input, m);
    if (status == ws::reader::status::need_more) return true;
    if (status == ws::reader::status::failed) {
      on_protocol_error(reader_.failure());
      return open_;
    }
    if (m.compressed) {
      auto& scratch = this_loop();
      const auto error =
          ws::inflate_message(scratch.inflater, m, options_.max_payload, scratch.inflated);
      if (error != ws::error::none) {
        on_protocol_error(error);
        return open_;
      }
    }
    switch (m.op) {
      case ws::opcode::text:
        if (auto owner = this->owner()) owner->on_ws_text(*this, m.payload);
        break;
      case ws::opcode::binary:
        if (auto owner = this->owner()) owner->on_ws_binary(*this, m.payload);
        break;
      case ws::opcode::ping:
        push_frame(ws::opcode::pong, make_shared_bytes(std::string(m.payload)));
        // A client that pings without reading our pongs is a slow consumer like any other.
        if (queued_bytes_ > options_.send_queue_bytes) {
          abort();
          report_closed(close_reason::slow_consumer);
          return false;
        }
        break;
      case ws::opcode::pong:
        break;
      case ws::opcode::close: {
        // The peer closes: answer with its code (RFC 6455 §5.5.1) and let it go.
        const auto code = m.payload.size() >= 2 ? std::string(m.payload.substr(0, 2)) : "";
        push_frame(ws::opcode::close, make_shared_bytes(code));
        close_queued_ = true;
        flush();
        abort();
        report_closed(close_reason::transport_close);
        return false;
      }
      case ws::opcode::continuation:
        break;  // never yielded by the reader
    }
    // The owner may have closed or dropped us while handling the message.
    if (!open_) return false;
    if (close_queued_) return true;
  }
}

void websocket_transport::on_protocol_error(ws::error error) {
  // Tell the peer why (1002 / 1007 / 1009), then close once that is written, within 5 s.
  push_frame(ws::opcode::close, make_shared_bytes(ws::close_payload(ws::close_code(error))));
  close_queued_ = true;
  start_close_timer();
  flush();
  report_closed(error == ws::error::too_big ? close_reason::payload_too_large
                                            : close_reason::parse_error);
  // An inflated bomb's buffer is not kept by the loop.
  auto& inflated = this_loop().inflated;
  if (inflated.capacity() > 64 * 1024) std::string().swap(inflated);
}

void websocket_transport::report_closed(close_reason reason) {
  auto owner = this->owner();
  owner_ = nullptr;
  if (owner) owner->on_ws_closed(*this, reason);
}

// ---------------------------------------------------------------------------------------------
// Writing

void websocket_transport::send(const outgoing& packet) {
  if (!open_ || close_queued_) return;
  if (deflate_) {
    // Compressed once for every subscriber (a fan-out event), or now for this session alone.
    if (packet.deflated) return push_whole_frame(packet.deflated);
    if (!packet.deflate_tried && !(packet.binary && version_ == eio::version::v3) &&
        packet.packet().size() >= options_.compression.threshold &&
        push_deflated(packet.binary ? ws::opcode::binary : ws::opcode::text, packet.packet()))
      return;
  }
  if (packet.ws_header != 0) return push_whole_frame(packet.bytes);
  if (packet.binary && version_ == eio::version::v3) {
    // v3 binary frames carry the packet type byte in front of the bytes.
    std::string framed;
    eio::encode_ws_binary(version_, *packet.bytes, framed);
    push_frame(ws::opcode::binary, make_shared_bytes(std::move(framed)));
    return;
  }
  push_frame(packet.binary ? ws::opcode::binary : ws::opcode::text, packet.bytes);
}

bool websocket_transport::push_deflated(ws::opcode op, std::string_view payload) {
  std::uint8_t header_size = 0;
  auto frame = deflated_frame(op, payload, header_size);
  if (!frame) return false;
  push_whole_frame(std::move(frame));
  return true;
}

void websocket_transport::push_whole_frame(shared_bytes frame) {
  queue_.push_back({std::move(frame), {}, 0});
  queued_bytes_ += static_cast<std::uint64_t>(queue_.back().cost());
  mark_dirty();
}

void websocket_transport::push_frame(ws::opcode op, shared_bytes payload) {
  if (!open_) return;
  queued_frame frame{std::move(payload), {}, 0};
  std::uint8_t header[ws::max_header_size];
  frame.header_size = static_cast<std::uint8_t>(ws::encode_header(header, op, frame.bytes->size()));
  std::copy_n(header, frame.header_size, frame.header);
  queued_bytes_ += static_cast<std::uint64_t>(frame.cost());
  queue_.push_back(std::move(frame));
  mark_dirty();
}

void websocket_transport::report_queued() noexcept {
  const auto delta =
      static_cast<std::int64_t>(queued_bytes_) - static_cast<std::int64_t>(reported_bytes_);
  if (delta == 0) return;
  metrics::outbound_queue_bytes.get().inc(delta);
  reported_bytes_ = queued_bytes_;
}

void websocket_transport::mark_dirty() {
  // A socket waiting to become writable is flushed when it does; otherwise the frames queued in
  // this turn of the loop go out together at its end (the batch lists us once per turn).
  if (write_waiting_) return report_queued();  // a backlog: the gauge is for these
  if (batch_listed()) return;
  // The aliasing constructor: batched_writer is a private base, which shared_ptr's own
  // conversion cannot see.
  std::shared_ptr<batched_writer> writer(self(), static_cast<batched_writer*>(this));
  write_batch::this_thread().add(std::move(writer), socket_.get_executor());
}

// ---------------------------------------------------------------------------------------------
// Closing

void websocket_transport::close() {
  if (!open_) return abort();
  if (close_queued_) return;
  owner_ = nullptr;
  push_frame(ws::opcode::close, make_shared_bytes(ws::close_payload(1000)));
  close_queued_ = true;
  // A client that stops reading never lets the queue drain, and the close frame waits behind
  // it: bound the whole closing so such a connection cannot linger.
  start_close_timer();
}

void websocket_transport::after_close_frame_written() {
  // Our close frame is out: half-close, and wait (bounded by the close timer) for the peer to
  // close its side, so that it reads every byte before the connection goes.
  close_sent_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  if (!reading_) do_wait_readable();
}

void websocket_transport::start_close_timer() {
  if (close_timer_) return;
  close_timer_ = std::make_unique<net::steady_timer>(socket_.get_executor());
  close_timer_->expires_after(close_bound);
  close_timer_->async_wait([self = self()](boost::system::error_code ec) {
    if (!ec) self->abort();
  });
}

void websocket_transport::abort() {
  if (close_timer_) close_timer_->cancel();
  open_ = false;
  boost::system::error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  drop_queue();
}

void websocket_transport::drop_queue() noexcept {
  queued_bytes_ = 0;
  report_queued();
  queue_.clear();
  queue_head_ = 0;
  head_written_ = 0;
}

}  // namespace txrt::engine
