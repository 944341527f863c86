#pragma once
// One event loop of the floor on its own thread (epoll, level-triggered), as txrt runs one
// io_context per thread: its sockets, its customer -> sockets index, its dirty list, and an
// inbox other threads post to (new sockets from loop 0's listener, events from the Redis feed).
//
// One turn: wait for readiness, handle it, drain the inbox, then flush every dirty socket
// once. An event therefore costs each matching socket one queue push and, per turn, one
// sendmsg however many events the turn brought — txrt's write path without its protocol.
#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/floor/connection.hpp"

namespace txrt::floor {

// Counted, printed at exit (no log on the hot path).
struct loop_counters {
  std::uint64_t accepted = 0;
  std::uint64_t events = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t closed = 0;
  std::uint64_t overflowed = 0;  // closed for a queue past the bound
};

class loop final : public io_handler {
 public:
  loop(std::size_t index, bool io_uring);
  ~loop();

  // --- any thread --------------------------------------------------------------------------
  // Hands over an accepted socket; the loop owns it from then on.
  void post_socket(int fd);
  // An event for the sockets of `customer`: `frame` is this loop's own copy (so the reference
  // counts of one loop's frames are touched by that loop alone).
  void post_event(std::string customer, frame_ptr frame);
  void stop();

  // --- loop thread -------------------------------------------------------------------------
  void run();  // until stop()
  void add(int fd, io_handler* h, std::uint32_t events);
  void modify(int fd, io_handler* h, std::uint32_t events);
  std::span<char> read_buffer() noexcept { return read_buffer_; }
  void subscribe(connection& c);
  void mark_dirty(connection& c);
  void closed(connection& c, bool overflow);  // c stays valid until the end of the turn
  std::size_t index() const noexcept { return index_; }
  const loop_counters& counters() const noexcept { return counters_; }
  // The floor's bound on one socket's queue, as txrt's --send-queue-bytes in bench/run.
  static constexpr std::size_t max_queued_bytes = 8u << 20;

 private:
  struct inbox_item {
    int fd = -1;  // a new socket, or -1 for an event
    std::string customer;
    frame_ptr frame;
  };
  void post(inbox_item item);
  void on_event(std::uint32_t events) override;  // the inbox's eventfd
  void drain_inbox();
  void deliver(const std::string& customer, const frame_ptr& frame);
  void accept_socket(int fd);
  void flush_dirty();
  void flush_dirty_uring();
  void start_uring();
  void bury();

  std::size_t index_;
  int epoll_fd_;
  int wake_fd_;  // eventfd: the inbox has items
  std::atomic<bool> stopping_{false};
  bool self_posted_ = false;  // the loop's own thread posted to its inbox in this turn
  std::mutex inbox_mutex_;
  std::vector<inbox_item> inbox_, draining_;
  std::unordered_map<int, std::unique_ptr<connection>> connections_;
  std::unordered_map<std::string, std::vector<connection*>> customers_;
  std::vector<connection*> dirty_, flushing_;
  std::vector<std::unique_ptr<connection>> dead_;  // closed in this turn
  std::array<char, 64 * 1024> read_buffer_;
  loop_counters counters_;
  // With io_uring: the sends of a turn go in one submission (made in run(), on the loop's
  // thread; null when off or refused).
  bool want_uring_;
  struct uring_state;
  std::unique_ptr<uring_state> uring_;
};

}  // namespace txrt::floor
