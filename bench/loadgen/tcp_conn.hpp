#pragma once
// A raw non-blocking TCP client connection: connect, read into the caller's buffer, send with
// an outbox for what the kernel does not take at once. No I/O loop of its own: the owner
// registers fd() with its poller and calls in when the socket is ready. Errors are text, for
// the operator.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace txrt::bench {

class tcp_conn {
 public:
  tcp_conn() = default;
  ~tcp_conn() { close(); }
  tcp_conn(const tcp_conn&) = delete;
  tcp_conn& operator=(const tcp_conn&) = delete;

  // Starts connecting to `target` from `source` (INADDR_ANY: the kernel chooses). An error, or
  // empty when the connect is under way (writable = done; then call finish_connect()).
  std::string open(const sockaddr_in& target, in_addr_t source);
  // The outcome of the connect: an error, or empty once connected.
  std::string finish_connect();

  enum class read_status : std::uint8_t { data, would_block, closed, failed };
  // One read of up to `into.size()` bytes; `n` gets the count, `error` the reason on failure.
  read_status read(std::span<char> into, std::size_t& n, std::string& error);

  // Sends `bytes` behind whatever is queued; what the kernel does not take now stays queued.
  // False on a socket error (`error` says which).
  bool send(std::string_view bytes, std::string& error);
  // Writes queued bytes (when the socket is writable); false on a socket error.
  bool flush(std::string& error);
  bool wants_write() const noexcept { return sent_ < outbox_.size(); }

  int fd() const noexcept { return fd_; }
  void close() noexcept;

 private:
  int fd_ = -1;
  std::string outbox_;
  std::size_t sent_ = 0;
};

}  // namespace txrt::bench
