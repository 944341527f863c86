#pragma once
// The clients' readiness: a level-triggered epoll set of the worker's raw client sockets,
// itself watched by the worker's Asio loop. One wake of the loop serves up to 256 ready
// sockets with one read each; Asio re-arms once per batch, not once per socket (an Asio socket
// costs a second syscall per wake: a speculative read or a re-arm), which halves the syscalls
// of the receive path.
// Loop thread only.
#include <sys/epoll.h>

#include <array>
#include <cstdint>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace txrt::bench {

namespace net = boost::asio;

class poller {
 public:
  // What a ready socket calls. The target must stay alive while its socket is registered (and,
  // since a batch may still hold its event, until the loop stops).
  struct target {
    virtual void on_io(std::uint32_t events) = 0;

   protected:
    ~target() = default;
  };

  explicit poller(net::io_context& loop);  // throws std::system_error if epoll is unavailable
  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  bool add(int fd, target* t, std::uint32_t events) noexcept;
  bool modify(int fd, target* t, std::uint32_t events) noexcept;
  void remove(int fd) noexcept;

  void start();  // begins dispatching; on the loop thread
  void stop();

 private:
  void wait();
  void dispatch();

  net::posix::stream_descriptor watch_;  // owns the epoll descriptor
  std::array<epoll_event, 256> events_{};
};

}  // namespace txrt::bench
