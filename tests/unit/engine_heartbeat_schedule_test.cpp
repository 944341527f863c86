// server/engine/heartbeat_schedule: the per-loop lists of heartbeat deadlines behind one timer.
// Hooks due in the past make the order deterministic: one poll() pops them all, and the order
// is the deadlines' whatever the machine's speed.
#include "server/engine/heartbeat_schedule.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using txrt::engine::heartbeat_hook;
using txrt::engine::heartbeat_kind;
using txrt::engine::heartbeat_schedule;
using clock_type = std::chrono::steady_clock;

namespace {

std::vector<int>* fired_log = nullptr;

// A hook that logs its id when it comes due and then runs `then` (may arm or cancel hooks).
struct probe : heartbeat_hook {
  explicit probe(int id) : id(id) {}
  int id;
  std::function<void(probe&)> then;
};

void on_due(heartbeat_hook& h) {
  auto& p = static_cast<probe&>(h);
  fired_log->push_back(p.id);
  if (p.then) p.then(p);
}

struct fixture {
  fixture() { fired_log = &fired; }
  ~fixture() { fired_log = nullptr; }
  boost::asio::io_context loop;
  std::vector<int> fired;
  heartbeat_schedule schedule{loop, &on_due};
  const clock_type::time_point t0 = clock_type::now();
};

}  // namespace

TEST_CASE("heartbeat_schedule: due hooks of every kind come out in deadline order",
          "[engine][heartbeat]") {
  fixture f;
  probe a(1), b(2), c(3), d(4);
  f.schedule.arm(a, heartbeat_kind::ping_due, f.t0 - 1ms);
  f.schedule.arm(b, heartbeat_kind::pong_deadline, f.t0 - 4ms);
  f.schedule.arm(c, heartbeat_kind::ping_deadline, f.t0 - 2ms);
  f.schedule.arm(d, heartbeat_kind::ping_due, f.t0 + 1h);  // not due
  CHECK(f.schedule.size() == 4);
  f.loop.poll();
  CHECK(f.fired == std::vector<int>{2, 3, 1});
  CHECK_FALSE(a.linked());
  CHECK(d.armed(heartbeat_kind::ping_due));
  CHECK(f.schedule.size() == 1);
  // The timer now waits for the one left.
  CHECK(f.schedule.timer_expiry() == f.t0 + 1h);
}

TEST_CASE("heartbeat_schedule: a deadline earlier than the tail is inserted in order",
          "[engine][heartbeat]") {
  fixture f;
  probe a(1), b(2), c(3), d(4), e(5);
  f.schedule.arm(a, heartbeat_kind::pong_deadline, f.t0 - 1ms);
  f.schedule.arm(b, heartbeat_kind::pong_deadline, f.t0 - 5ms);  // before the head
  f.schedule.arm(c, heartbeat_kind::pong_deadline, f.t0 - 3ms);  // in the middle
  f.schedule.arm(d, heartbeat_kind::pong_deadline, f.t0 - 3ms);  // equal: after c
  f.schedule.arm(e, heartbeat_kind::pong_deadline, f.t0 - 2ms);
  f.loop.poll();
  CHECK(f.fired == std::vector<int>{2, 3, 4, 5, 1});
  CHECK(f.schedule.size() == 0);
}

TEST_CASE("heartbeat_schedule: re-arming moves a hook, touching no timer for a later deadline",
          "[engine][heartbeat]") {
  fixture f;
  probe a(1), b(2);
  f.schedule.arm(a, heartbeat_kind::ping_due, f.t0 + 1h);
  CHECK(f.schedule.timer_expiry() == f.t0 + 1h);
  f.schedule.arm(b, heartbeat_kind::ping_due, f.t0 + 2h);
  CHECK(f.schedule.timer_expiry() == f.t0 + 1h);

  // A pong: the head goes to the back of another kind's list. The timer keeps its old time
  // (it will fire, find nothing due and wait again) rather than being re-armed.
  f.schedule.arm(a, heartbeat_kind::pong_deadline, f.t0 + 3h);
  CHECK(a.armed(heartbeat_kind::pong_deadline));
  CHECK_FALSE(a.armed(heartbeat_kind::ping_due));
  CHECK(f.schedule.size() == 2);
  CHECK(f.schedule.timer_expiry() == f.t0 + 1h);

  // An earlier deadline than the timer's re-arms it.
  f.schedule.arm(b, heartbeat_kind::ping_deadline, f.t0 - 1ms);
  CHECK(f.schedule.timer_expiry() == f.t0 - 1ms);
  f.loop.poll();
  CHECK(f.fired == std::vector<int>{2});
  CHECK(f.schedule.timer_expiry() == f.t0 + 3h);  // now the earliest head is a's
}

TEST_CASE("heartbeat_schedule: a cancelled hook never fires; the timer re-arms from the heads",
          "[engine][heartbeat]") {
  fixture f;
  probe a(1), b(2);
  f.schedule.arm(a, heartbeat_kind::ping_due, f.t0 + 5ms);
  f.schedule.arm(b, heartbeat_kind::ping_due, f.t0 + 10ms);
  f.schedule.cancel(a);
  f.schedule.cancel(a);  // not armed: nothing
  CHECK_FALSE(a.linked());
  CHECK(f.schedule.size() == 1);
  CHECK(f.schedule.timer_expiry() == f.t0 + 5ms);  // left to fire and find nothing due
  f.loop.run_for(2s);                              // returns when no work is left
  CHECK(f.fired == std::vector<int>{2});
  CHECK(f.schedule.timer_expiry() == clock_type::time_point::max());
}

TEST_CASE("heartbeat_schedule: a handler may cancel, re-arm and arm during the expiry",
          "[engine][heartbeat]") {
  fixture f;
  probe a(1), b(2), c(3), d(4);
  bool a_ran = false, c_rearmed = false;
  // a cancels b (due after it in the same pass), re-arms itself later, and arms d due now.
  a.then = [&](probe& self) {
    if (std::exchange(a_ran, true)) return;
    f.schedule.cancel(b);
    f.schedule.arm(self, heartbeat_kind::pong_deadline, f.t0 + 20ms);
    f.schedule.arm(d, heartbeat_kind::ping_deadline, f.t0 - 1500us);
  };
  // c re-arms itself in its own kind: once more, later.
  c.then = [&](probe& self) {
    if (std::exchange(c_rearmed, true)) return;
    f.schedule.arm(self, heartbeat_kind::ping_due, f.t0 + 10ms);
  };
  f.schedule.arm(a, heartbeat_kind::ping_due, f.t0 - 3ms);
  f.schedule.arm(b, heartbeat_kind::ping_due, f.t0 - 2ms);
  f.schedule.arm(c, heartbeat_kind::pong_deadline, f.t0 - 1ms);
  f.loop.poll();
  // a, then d (armed by a, due before c) and c; b was cancelled.
  CHECK(f.fired == std::vector<int>{1, 4, 3});
  CHECK_FALSE(b.linked());
  CHECK(f.schedule.size() == 2);  // a and c, re-armed
  f.loop.run_for(2s);
  CHECK(f.fired.size() == 5);
  CHECK(std::vector<int>(f.fired.begin() + 3, f.fired.end()) == std::vector<int>{3, 1});
  CHECK(f.schedule.size() == 0);
}

TEST_CASE("heartbeat_schedule: destroyed first, it leaves its hooks unlinked",
          "[engine][heartbeat]") {
  probe a(1);
  {
    fixture f;
    f.schedule.arm(a, heartbeat_kind::ping_due, f.t0 + 1h);
    CHECK(a.linked());
  }
  CHECK_FALSE(a.linked());
}
