#pragma once
// The heartbeat deadlines of every session of one loop, behind one timer.
//
// A timer per session was the larger part of an idle session's memory (the timer, and the
// wait operation Asio allocates each time it is armed) and put timer-queue work on every
// connect and every pong. But every session of a loop shares ping_interval and ping_timeout,
// so deadlines of one kind armed with the same duration come due in the order they were
// armed: a FIFO list per kind is sorted for free. Arming, re-arming and cancelling are O(1)
// and allocate nothing; the hook lives in the session.
//
// One steady_timer waits for the earliest head. It is re-armed only when a deadline earlier
// than its expiry arrives (the first one, or a kind with a shorter duration); a cancelled or
// re-armed head is left to the timer, which fires at the old time, finds nothing due and waits
// again for the new earliest head. So a pong touches no Asio timer.
//
// Must be touched only from its loop, and destroyed only when that loop will not run its
// handlers again (the engine destroys it with the server, after the loops stopped; tests
// before their io_context).
#include <array>
#include <chrono>
#include <cstdint>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace txrt::engine {

namespace net = boost::asio;

enum class heartbeat_kind : std::uint8_t {
  ping_due,       // v4: the server's next ping (armed at now + ping_interval)
  pong_deadline,  // v4: the pong must arrive by then (the ping's due time + ping_timeout)
  ping_deadline,  // v3: the client's next ping must arrive by then (now + interval + timeout)
};
inline constexpr std::size_t heartbeat_kinds = 3;

// Embedded in the owner (the session derives from it). Linked while `next` is not null.
struct heartbeat_hook {
  heartbeat_hook* prev = nullptr;
  heartbeat_hook* next = nullptr;
  std::chrono::steady_clock::time_point deadline{};
  heartbeat_kind kind = heartbeat_kind::ping_due;

  bool linked() const noexcept { return next != nullptr; }
  // Armed for this kind (kind is kept after an unlink, so linked() is asked too).
  bool armed(heartbeat_kind k) const noexcept { return linked() && kind == k; }
};

class heartbeat_schedule {
 public:
  using clock = std::chrono::steady_clock;
  // Called for each hook that came due, unlinked already, in deadline order. It may arm or
  // cancel any hook, this one included, and may end its owner (which cancels the hook). A hook
  // it arms at a deadline already passed comes due in the same pass: it must not do that
  // forever (the session arms only later deadlines, or a pong deadline that ends it).
  using due_handler = void (*)(heartbeat_hook&);

  heartbeat_schedule(net::io_context& loop, due_handler on_due);
  ~heartbeat_schedule();
  heartbeat_schedule(const heartbeat_schedule&) = delete;  // the lists point at their heads
  heartbeat_schedule& operator=(const heartbeat_schedule&) = delete;

  // (Re-)arms `hook` for `kind` at `deadline`, replacing whatever it was armed for. Deadlines
  // of a kind normally arrive in order (pushed at the back); an earlier one is inserted in
  // order from the back, so the lists stay sorted whatever the caller does.
  void arm(heartbeat_hook& hook, heartbeat_kind kind, clock::time_point deadline);
  // Unlinks `hook`; nothing if it is not armed. The timer is left to fire and re-arm.
  void cancel(heartbeat_hook& hook) noexcept;

  // How many hooks are armed (tests).
  std::size_t size() const noexcept { return size_; }
  // When the timer is set to fire, max when it waits for nothing (tests).
  clock::time_point timer_expiry() const noexcept { return armed_; }

 private:
  heartbeat_hook* earliest() noexcept;
  void wait_until(clock::time_point t);
  void on_timer();

  net::steady_timer timer_;
  due_handler on_due_;
  // One circular list per kind with a sentinel, so link and unlink need no branch on the ends.
  std::array<heartbeat_hook, heartbeat_kinds> lists_;
  std::size_t size_ = 0;
  clock::time_point armed_ = clock::time_point::max();
  bool firing_ = false;  // in on_timer: it re-arms the timer itself at the end
};

}  // namespace txrt::engine
