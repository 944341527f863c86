#include "bench/loadgen/tcp_conn.hpp"

#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace txrt::bench {

namespace {

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace

std::string tcp_conn::open(const sockaddr_in& target, in_addr_t source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return errno_text("socket", errno);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source != htonl(INADDR_ANY)) {
    // The port is chosen at connect time from the whole 4-tuple, so K source addresses really
    // give K times the ephemeral ports.
    ::setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = source;
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0)
      return errno_text("bind", errno);
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0 &&
      errno != EINPROGRESS)
    return errno_text("connect", errno);
  return {};
}

std::string tcp_conn::finish_connect() {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  return err == 0 ? std::string() : errno_text("connect", err);
}

tcp_conn::read_status tcp_conn::read(std::span<char> into, std::size_t& n, std::string& error) {
  const ssize_t got = ::recv(fd_, into.data(), into.size(), 0);
  if (got > 0) {
    n = static_cast<std::size_t>(got);
    return read_status::data;
  }
  n = 0;
  if (got == 0) return read_status::closed;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return read_status::would_block;
  error = errno_text("read", errno);
  return read_status::failed;
}

bool tcp_conn::send(std::string_view bytes, std::string& error) {
  if (!wants_write()) {
    // Nothing queued: straight to the kernel, which almost always takes it all.
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      error = errno_text("write", errno);
      return false;
    }
    const std::size_t taken = n > 0 ? static_cast<std::size_t>(n) : 0;
    if (taken == bytes.size()) return true;
    outbox_.assign(bytes.substr(taken));
    sent_ = 0;
    return true;
  }
  outbox_.append(bytes);
  return true;
}

bool tcp_conn::flush(std::string& error) {
  while (wants_write()) {
    const ssize_t n = ::send(fd_, outbox_.data() + sent_, outbox_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
      error = errno_text("write", errno);
      return false;
    }
    sent_ += static_cast<std::size_t>(n);
  }
  outbox_.clear();
  sent_ = 0;
  return true;
}

void tcp_conn::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::string().swap(outbox_);
  sent_ = 0;
}

}  // namespace txrt::bench
