#pragma once
// What an epoll wake-up is delivered to: the listener, a loop's inbox, the Redis feed, or a
// connection. The epoll data of each registered fd is its handler.
#include <cstdint>

namespace txrt::floor {

struct io_handler {
  virtual ~io_handler() = default;
  virtual void on_event(std::uint32_t events) = 0;
};

}  // namespace txrt::floor
