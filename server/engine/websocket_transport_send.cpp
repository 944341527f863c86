// The transport's sends (websocket_transport.hpp): what is queued leaves either through the
// loop's send ring, gathered by the write batch with every other socket of the turn
// (gather / gathered_sent), or by sendmsg here (flush): when the loop has no ring, when the
// ring handed a send back, when more is queued than one send takes, and after the socket was
// full and became writable again.
#include "server/engine/websocket_transport.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <memory>

#include "server/engine/send_ring.hpp"

namespace txrt::engine {

namespace {

// Frames gathered into one send (each frame is one or two iovecs): what one send of the ring
// takes, too.
constexpr std::size_t max_iovecs = send_ring::max_iovecs_per_send;
// Queue capacity an idle socket may keep (in frames); more is given back.
constexpr std::size_t kept_queue_capacity = 4;

// Per-loop scratch for flush(): every transport of a loop lives on that loop's one thread.
std::array<iovec, max_iovecs>& loop_iovecs() {
  thread_local auto iov = std::make_unique<std::array<iovec, max_iovecs>>();
  return *iov;
}

}  // namespace

std::size_t websocket_transport::gather_queued(std::span<iovec> iov) const noexcept {
  std::size_t count = 0;
  std::size_t skip = head_written_;
  for (std::size_t i = queue_head_; i < queue_.size() && count + 2 <= iov.size(); ++i) {
    const auto& f = queue_[i];
    if (skip < f.header_size) {
      iov[count++] = {const_cast<std::uint8_t*>(f.header) + skip, f.header_size - skip};
      skip = 0;
    } else {
      skip -= f.header_size;
    }
    const auto& bytes = *f.bytes;
    iov[count++] = {const_cast<char*>(bytes.data()) + skip, bytes.size() - skip};
    skip = 0;
  }
  return count;
}

void websocket_transport::retire(std::size_t n) noexcept {
  // The first frame left may be partly written.
  while (n > 0 && queue_head_ < queue_.size()) {
    auto& f = queue_[queue_head_];
    const auto left = f.size() - head_written_;
    if (n < left) {
      head_written_ += n;
      return;
    }
    n -= left;
    queued_bytes_ -= static_cast<std::uint64_t>(f.cost());
    f.bytes.reset();
    ++queue_head_;
    head_written_ = 0;
  }
}

void websocket_transport::flush() {
  if (!open_ || write_waiting_) return;
  auto& iov = loop_iovecs();
  const int fd = socket_.native_handle();
  for (int round = 0; round < 64 && queue_head_ < queue_.size(); ++round) {
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = gather_queued(iov);
    const auto sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      abort();
      report_closed(close_reason::transport_error);
      return;
    }
    retire(static_cast<std::size_t>(sent));
  }
  after_write();
}

int websocket_transport::gather(std::span<iovec> into, int& fd) noexcept {
  if (!open_ || write_waiting_) return 0;
  // Nothing queued: flush() has only its bookkeeping to do, no system call.
  if (queue_head_ >= queue_.size()) return -1;
  fd = socket_.native_handle();
  return static_cast<int>(gather_queued(into));
}

void websocket_transport::gathered_sent(long result) {
  if (!open_ || write_waiting_) return;  // closed, or given to the reactor, in the meantime
  if (result == -ECANCELED || result == -EINTR) return flush();  // not sent: write it now
  if (result < 0) {
    if (result != -EAGAIN && result != -EWOULDBLOCK) {
      abort();
      report_closed(close_reason::transport_error);
      return;
    }
    return after_write();  // the socket is full: wait until it is writable
  }
  retire(static_cast<std::size_t>(result));
  // More than one send's worth was queued, or the socket took part of it: flush() writes the
  // rest, or finds the socket full and waits.
  if (queue_head_ < queue_.size()) return flush();
  after_write();
}

void websocket_transport::after_write() {
  report_queued();
  if (queue_head_ < queue_.size()) return do_wait_writable();
  queue_.clear();
  queue_head_ = 0;
  if (queue_.capacity() > kept_queue_capacity) decltype(queue_)().swap(queue_);
  if (close_queued_ && !close_sent_) after_close_frame_written();
}

void websocket_transport::do_wait_writable() {
  write_waiting_ = true;
  socket_.async_wait(net::ip::tcp::socket::wait_write,
                     [self = self()](boost::system::error_code ec) {
                       self->write_waiting_ = false;
                       if (ec || !self->open_) return;
                       self->flush();
                     });
}

}  // namespace txrt::engine
