#include "bench/loadgen/poller.hpp"

#include <cerrno>
#include <system_error>

namespace txrt::bench {

namespace {
int create_epoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  return fd;
}
}  // namespace

poller::poller(net::io_context& loop) : watch_(loop, create_epoll()) {}

bool poller::add(int fd, target* t, std::uint32_t events) noexcept {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = t;
  return ::epoll_ctl(watch_.native_handle(), EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool poller::modify(int fd, target* t, std::uint32_t events) noexcept {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = t;
  return ::epoll_ctl(watch_.native_handle(), EPOLL_CTL_MOD, fd, &ev) == 0;
}

void poller::remove(int fd) noexcept {
  epoll_event ev{};
  ::epoll_ctl(watch_.native_handle(), EPOLL_CTL_DEL, fd, &ev);
}

void poller::start() { wait(); }

void poller::stop() {
  boost::system::error_code ignored;
  watch_.cancel(ignored);
}

void poller::wait() {
  watch_.async_wait(net::posix::stream_descriptor::wait_read,
                    [this](const boost::system::error_code& ec) {
                      if (ec) return;
                      dispatch();
                      wait();
                    });
}

void poller::dispatch() {
  const int n = ::epoll_wait(watch_.native_handle(), events_.data(),
                             static_cast<int>(events_.size()), 0);
  for (int i = 0; i < n; ++i) static_cast<target*>(events_[i].data.ptr)->on_io(events_[i].events);
}

}  // namespace txrt::bench
