#include "server/engine/heartbeat_schedule.hpp"

namespace txrt::engine {

namespace {

void unlink(heartbeat_hook& h) noexcept {
  h.prev->next = h.next;
  h.next->prev = h.prev;
  h.prev = h.next = nullptr;
}

void link_after(heartbeat_hook& pos, heartbeat_hook& h) noexcept {
  h.prev = &pos;
  h.next = pos.next;
  pos.next->prev = &h;
  pos.next = &h;
}

}  // namespace

heartbeat_schedule::heartbeat_schedule(net::io_context& loop, due_handler on_due)
    : timer_(loop), on_due_(on_due) {
  for (auto& sentinel : lists_) sentinel.prev = sentinel.next = &sentinel;
}

heartbeat_schedule::~heartbeat_schedule() {
  // Owners that outlive the schedule must find their hook unlinked, not pointing in here.
  for (auto& sentinel : lists_) {
    while (sentinel.next != &sentinel) unlink(*sentinel.next);
  }
}

void heartbeat_schedule::arm(heartbeat_hook& hook, heartbeat_kind kind,
                             clock::time_point deadline) {
  cancel(hook);
  hook.kind = kind;
  hook.deadline = deadline;
  auto& sentinel = lists_[static_cast<std::size_t>(kind)];
  // From the back: one step when deadlines arrive in order (the usual case); equal deadlines
  // keep the order they were armed in.
  heartbeat_hook* pos = sentinel.prev;
  while (pos != &sentinel && pos->deadline > deadline) pos = pos->prev;
  link_after(*pos, hook);
  ++size_;
  if (!firing_ && deadline < armed_) wait_until(deadline);
}

void heartbeat_schedule::cancel(heartbeat_hook& hook) noexcept {
  if (!hook.linked()) return;
  unlink(hook);
  --size_;
}

heartbeat_hook* heartbeat_schedule::earliest() noexcept {
  heartbeat_hook* best = nullptr;
  for (auto& sentinel : lists_) {
    if (sentinel.next == &sentinel) continue;
    if (!best || sentinel.next->deadline < best->deadline) best = sentinel.next;
  }
  return best;
}

void heartbeat_schedule::wait_until(clock::time_point t) {
  armed_ = t;
  // Re-arming cancels the wait in flight; that completion (operation_aborted) does nothing.
  // A wait that had already completed still runs on_timer, which is harmless: it pops only
  // what is due by the clock and waits again for the earliest head.
  timer_.expires_at(t);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_timer();
  });
}

void heartbeat_schedule::on_timer() {
  armed_ = clock::time_point::max();
  firing_ = true;
  // Only what is due by `now`: a hook re-armed from its handler is due later, so this ends.
  const auto now = clock::now();
  while (heartbeat_hook* h = earliest()) {
    if (h->deadline > now) break;
    cancel(*h);
    on_due_(*h);
  }
  firing_ = false;
  if (heartbeat_hook* h = earliest()) wait_until(h->deadline);
}

}  // namespace txrt::engine
