#pragma once
// One client socket of the floor: the upgrade, the four handshake messages txrt-bench sends
// answered with fixed bytes (no Engine.IO or Socket.IO stack), then only its outgoing queue.
//
// Queue and flush are txrt's (server/engine/websocket_transport.cpp): a frame is a shared,
// immutable, pre-built string; queueing one marks the socket dirty on its loop, and the loop
// flushes every dirty socket at the end of its turn with one gathered sendmsg (more only when
// the first wrote everything and more is queued, or after EPOLLOUT). Loop thread only.
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "bench/floor/io_handler.hpp"
#include "protocol/websocket/frame.hpp"

namespace txrt::floor {

class loop;
using frame_ptr = std::shared_ptr<const std::string>;

class connection final : public io_handler {
 public:
  connection(loop& owner, int fd) noexcept
      : loop_(owner), fd_(fd), reader_(protocol::ws::reader::role::server, 1 << 20) {}
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  int fd() const noexcept { return fd_; }
  bool open() const noexcept { return open_; }
  const std::string& customer() const noexcept { return customer_; }

  // Readiness from epoll.
  void on_event(std::uint32_t events) override;

  // Queues a whole pre-built frame; the loop flushes it at the end of the turn.
  void queue(frame_ptr frame);
  // One gathered sendmsg per call (repeated while it writes everything and more is queued).
  void flush();
  // The same write split in two, for a loop that submits the sends of a whole turn at once:
  // fills `msg`/`iov` (max_iovecs) with what is queued, false when there is nothing to send.
  bool prepare_send(msghdr& msg, iovec* iov);
  // The result of that send (bytes, or -errno): retires what went, waits for EPOLLOUT if
  // something is left.
  void sent(long result);
  static constexpr std::size_t max_iovecs = 128;
  bool dirty = false;  // on the loop's dirty list

  // Why a socket closed: counted by the loop, never logged.
  enum class close_reason : std::uint8_t { client, io_error, protocol, overflow };
  // Closes the socket (the loop forgets it at the end of the turn).
  void close(close_reason why);

 private:
  void read_ready();
  bool on_http(std::string_view& bytes);
  void on_text(std::string_view text);
  void queue_text(std::string_view payload);
  void want_write(bool on);
  // Drops `n` sent bytes from the front of the queue.
  void retire(std::size_t n);
  void wait_if_left();

  loop& loop_;
  int fd_;
  bool open_ = true;
  bool upgraded_ = false;
  bool write_waiting_ = false;   // congested: flushed on EPOLLOUT, not at the end of the turn
  bool out_registered_ = false;  // EPOLLOUT is in the epoll interest
  std::string http_;
  std::string customer_;
  protocol::ws::reader reader_;
  std::deque<frame_ptr> queue_;
  std::size_t head_written_ = 0;  // bytes of queue_.front() already sent
  std::size_t queued_bytes_ = 0;
};

}  // namespace txrt::floor
