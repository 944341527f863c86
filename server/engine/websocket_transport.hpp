#pragma once
// The WebSocket transport of an Engine.IO session. It answers the upgrade itself
// (protocol/websocket/upgrade.hpp: one write of the 101, no per-connection Beast stream, timer
// or epoll re-registration) and owns the framing (protocol/websocket/frame.hpp) on the bare
// TCP socket, because:
//  - a broadcast frame (header + packet) is built once and the same bytes are written to every
//    subscriber, which Beast's stream cannot do (it writes its own header);
//  - every frame queued on a socket in one turn of the loop goes out in one gathered write
//    (sendmsg), through the loop's write_batch: one send per socket per turn, not per frame;
//  - an idle connection holds no read or write buffer: reads wait for readability and then
//    read into the loop's scratch buffer; only a partial frame is kept;
//  - permessage-deflate without context takeover (permessage_deflate.hpp) keeps no zlib state
//    per connection, and a fan-out event's compressed frame is shared like its plain one.
// Lives on its session's loop; must not be called from another thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/container/small_vector.hpp>

#include "protocol/websocket/frame.hpp"
#include "server/engine/live_count.hpp"
#include "server/engine/types.hpp"
#include "server/engine/write_batch.hpp"
#include "server/tcp_socket.hpp"

namespace txrt::engine {

namespace net = boost::asio;

class websocket_transport : private batched_writer {
 public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  // A transport of its own (a probe WebSocket for a polling session), ready to accept.
  static std::shared_ptr<websocket_transport> make(server::tcp_socket socket,
                                                   const engine_options& options,
                                                   eio::version version);

  websocket_transport(const websocket_transport&) = delete;
  websocket_transport& operator=(const websocket_transport&) = delete;

  // Completes the upgrade of `req`; `done(true)` once the 101 answer is written, `done(false)`
  // once a malformed request was answered 400 / 426 and closed. Never called inside accept.
  void accept(request req, std::function<void(bool)> done);
  // Starts delivering messages to `owner`, which must detach() before it goes (finish() does,
  // and ~session for a transport that outlives it). While it delivers, the transport holds a
  // shared_ptr to it: a message may end the session.
  void attach(session& owner);
  // Stops delivering without closing (the session ends, or a probe loses its session).
  void detach() noexcept { owner_ = nullptr; }

  // Queues a packet; it is written at the end of this turn of the loop (write_batch), gathered
  // with the others queued meanwhile.
  void send(const outgoing& packet);
  // Closes after the queued packets are written (close frame, then TCP close), within 5 s.
  void close();
  // Closes the TCP connection at once.
  void abort();

  std::uint64_t queued_bytes() const noexcept { return queued_bytes_; }
  // A prefetch hint (sio::socket::prefetch): the lines send() touches, which come first (see
  // the members).
  void prefetch() const noexcept {
    const auto* p = reinterpret_cast<const char*>(this);
    __builtin_prefetch(p, 1);
    __builtin_prefetch(p + 64, 1);
    __builtin_prefetch(p + 128, 1);
  }
  bool is_open() const noexcept { return open_; }

 protected:
  // Made only as one of two kinds, which differ in what keeps them alive (self()): a
  // transport of its own (make(), for a probe), or one embedded in its session's block
  // (websocket_session), which would otherwise carry a pointer to its own block.
  websocket_transport(server::tcp_socket socket, const engine_options& options,
                      eio::version version);
  ~websocket_transport();

 private:
  // A shared_ptr to this transport, or one aliasing the block it is embedded in: what a
  // pending operation holds to keep it alive. Not std::enable_shared_from_this, which
  // make_shared cannot set for a member.
  virtual std::shared_ptr<websocket_transport> self() = 0;
  // The owner, held for as long as a call into it lasts (null when detached).
  std::shared_ptr<session> owner() const;

  // One frame on its way out: either `bytes` is the whole frame (header_size == 0), or
  // `header` is written in front of it.
  struct queued_frame {
    shared_bytes bytes;
    std::uint8_t header[protocol::ws::max_server_header_size];
    std::uint8_t header_size = 0;
    std::size_t size() const noexcept { return header_size + bytes->size(); }
    // What it counts against send-queue-bytes: its bytes and its bookkeeping.
    std::int64_t cost() const noexcept {
      return static_cast<std::int64_t>(size() + queued_packet_overhead);
    }
  };

  // Writes the handshake's answer, waiting at most 5 s for a socket that cannot take it
  // at once.
  void write_handshake(std::string answer, bool accepted, std::function<void(bool)> done);
  void finish_handshake(bool accepted, const std::function<void(bool)>& done);

  void do_wait_readable();
  void on_readable(boost::system::error_code ec);
  // Hands the messages in `input` to the owner; false once the transport stopped reading.
  bool deliver(std::span<char> input);
  void on_protocol_error(protocol::ws::error error);

  void push_frame(protocol::ws::opcode op, shared_bytes payload);
  // Queues bytes that are a whole frame already (header included).
  void push_whole_frame(shared_bytes frame);
  // Compresses `payload` for this session alone; false if it is not worth it (then send it
  // as it is).
  bool push_deflated(protocol::ws::opcode op, std::string_view payload);
  void mark_dirty();
  // Brings txrt_outbound_queue_bytes in step with queued_bytes_ (see reported_bytes_).
  void report_queued() noexcept;
  void write_batched() override { flush(); }
  int gather(std::span<iovec> into, int& fd) noexcept override;
  void gathered_sent(long result) override;
  // Writes what is queued with sendmsg, up to 64 sends, then after_write().
  void flush();
  // The iovecs of what is queued, from the first byte not written (at most iov.size()).
  std::size_t gather_queued(std::span<iovec> iov) const noexcept;
  // Drops `n` written bytes from the front of the queue.
  void retire(std::size_t n) noexcept;
  // After a write: wait for writability if something is left, else release the queue and,
  // if that was our close frame, go on closing.
  void after_write();
  void do_wait_writable();
  void after_close_frame_written();

  void start_close_timer();
  void report_closed(close_reason reason);
  void drop_queue() noexcept;

  // What send(), flush() and the write batch touch on every frame comes first, right after the
  // bases (the batch's flag), and together: a fan-out queues one frame on thousands of sockets
  // whose state is cold, and each line touched is a cache miss. Most sockets get one or two
  // frames in a turn: those stay inside the transport, with no separate queue block to miss.
  // The flags are bits and the frame index 32 bits wide, so that they share one word (every
  // idle session carries them).
  std::uint32_t queue_head_ = 0;      // first frame not fully written
  bool write_waiting_ : 1 = false;    // waiting for the socket to become writable
  bool close_queued_ : 1 = false;     // our close frame is in the queue (nothing may follow)
  bool close_sent_ : 1 = false;       // our close frame is written; draining until EOF
  bool open_ : 1 = true;
  bool reading_ : 1 = false;
  bool deflate_ : 1 = false;          // permessage-deflate negotiated
  eio::version version_;
  std::size_t head_written_ = 0;      // bytes of that frame already written
  std::uint64_t queued_bytes_ = 0;
  // What txrt_outbound_queue_bytes has been told of queued_bytes_. The gauge is shared by every
  // loop, so each change would be an atomic add on a line the other cores write too: it is told
  // only what is left after a flush (nothing, usually) and what a blocked socket piles up.
  std::uint64_t reported_bytes_ = 0;
  boost::container::small_vector<queued_frame, 2> queue_;

  server::tcp_socket socket_;  // the loop's executor type: see server/tcp_socket.hpp
  const engine_options& options_;
  protocol::ws::reader reader_;
  session* owner_ = nullptr;  // see attach(); null when detached
  // Only while closing, or writing the handshake's answer (idle sessions stay small).
  std::unique_ptr<net::steady_timer> close_timer_;
  [[no_unique_address]] live_count live_;  // the graceful shutdown waits for every one to go
};

}  // namespace txrt::engine
