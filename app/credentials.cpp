#include "app/credentials.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>

#include "app/client.hpp"
#include "app/deadline_heap.hpp"

namespace txrt::telecomx {

using system_clock = std::chrono::system_clock;

struct credentials::loop_state {
  explicit loop_state(boost::asio::any_io_executor ex) : expiry_timer(ex), tick_timer(ex) {}

  boost::asio::system_timer expiry_timer;
  deadline_heap<std::weak_ptr<client>, system_clock::time_point> heap;
  // The deadline the timer waits for; a wait for an earlier one replaces it.
  std::optional<system_clock::time_point> armed;

  boost::asio::steady_timer tick_timer;
  bool ticking = false;
  std::vector<std::weak_ptr<client>> roster;  // authenticated clients, tracked once each
  std::size_t cursor = 0;
  std::size_t compacted = 0;  // the roster's size after the last compaction
};

credentials::credentials(std::size_t loops, std::shared_ptr<auth::token_validator> validator,
                         std::chrono::milliseconds revalidate_interval, credential_actions actions)
    : validator_(std::move(validator)),
      interval_(revalidate_interval),
      actions_(std::move(actions)),
      loops_(loops) {}

credentials::~credentials() {
  for (auto& s : loops_) {
    if (!s) continue;
    s->expiry_timer.cancel();
    s->tick_timer.cancel();
  }
}

credentials::loop_state& credentials::state_of(const client& c) {
  if (c.loop >= loops_.size()) throw std::logic_error("credentials: a client of an unknown loop");
  auto& s = loops_[c.loop];
  if (!s) s = std::make_shared<loop_state>(c.executor);
  return *s;
}

std::size_t credentials::deadlines(std::size_t loop) const {
  return loop < loops_.size() && loops_[loop] ? loops_[loop]->heap.size() : 0;
}

void credentials::track(client& c) {
  auto& s = state_of(c);
  const auto shared = loops_[c.loop];
  // Whatever deadline the client had is stale from here on.
  ++c.deadline_generation;
  if (c.who && c.who->expires) {
    s.heap.push(*c.who->expires, c.weak_from_this(), c.deadline_generation);
    if (!s.armed || *c.who->expires < *s.armed) arm_expiry(shared);
  }
  if (!c.tracked) {
    c.tracked = true;
    s.roster.push_back(c.weak_from_this());
    // Without ticks (revalidation off) nothing else forgets the clients that left.
    if (s.roster.size() >= 2 * s.compacted + 64) compact(s);
  }
  if (interval_.count() > 0 && !s.ticking) start_ticks(shared);
}

void credentials::arm_expiry(const std::shared_ptr<loop_state>& s) {
  const auto next = s->heap.next();
  s->armed = next;
  if (!next) return;
  s->expiry_timer.expires_at(*next);  // cancels an earlier wait (its handler sees aborted)
  std::weak_ptr<loop_state> weak = s;
  s->expiry_timer.async_wait([this, weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto state = weak.lock()) on_expiry(state);
  });
}

void credentials::on_expiry(const std::shared_ptr<loop_state>& s) {
  for (auto& due : s->heap.pop_due(system_clock::now())) {
    auto c = due.key.lock();
    // Gone, re-authenticated or re-validated with another deadline since: a stale entry.
    if (!c || !c->connected || !c->who || c->deadline_generation != due.generation) continue;
    actions_.expire(*c);
  }
  arm_expiry(s);
}

void credentials::start_ticks(const std::shared_ptr<loop_state>& s) {
  s->ticking = true;
  const auto period = std::max<std::chrono::milliseconds>(interval_ / static_cast<long>(slices),
                                                          std::chrono::milliseconds(1));
  s->tick_timer.expires_after(period);
  std::weak_ptr<loop_state> weak = s;
  s->tick_timer.async_wait([this, weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto state = weak.lock()) on_tick(state);
  });
}

void credentials::compact(loop_state& s) {
  std::erase_if(s.roster, [](const std::weak_ptr<client>& w) {
    auto c = w.lock();
    return !c || !c->connected || !c->who;
  });
  s.compacted = s.roster.size();
  s.cursor = std::min(s.cursor, s.roster.size());
}

void credentials::on_tick(const std::shared_ptr<loop_state>& s) {
  auto& roster = s->roster;
  if (s->cursor >= roster.size()) {
    // A new round: forget the clients that left, then start from the top.
    compact(*s);
    s->cursor = 0;
  }
  const std::size_t slice = (roster.size() + slices - 1) / slices;
  const std::size_t end = std::min(roster.size(), s->cursor + slice);
  std::vector<std::shared_ptr<client>> now;
  for (; s->cursor < end; ++s->cursor)
    if (auto c = roster[s->cursor].lock(); c && c->connected && c->who) now.push_back(c);
  for (auto& c : now) revalidate(*c);
  start_ticks(s);
}

void credentials::revalidate_now(std::size_t loop) {
  if (loop >= loops_.size() || !loops_[loop]) return;
  std::vector<std::shared_ptr<client>> now;
  for (auto& w : loops_[loop]->roster)
    if (auto c = w.lock(); c && c->connected && c->who) now.push_back(c);
  for (auto& c : now) revalidate(*c);
}

void credentials::for_each_live(std::size_t loop, const std::function<void(client&)>& f) {
  if (loop >= loops_.size() || !loops_[loop]) return;
  std::vector<std::shared_ptr<client>> now;
  for (auto& w : loops_[loop]->roster)
    if (auto c = w.lock(); c && c->connected && c->who) now.push_back(c);
  for (auto& c : now) f(*c);
}

void credentials::revalidate(client& c) {
  if (c.token.empty()) return;
  const std::uint32_t generation = c.generation;
  std::weak_ptr<client> weak = c.weak_from_this();
  validator_->validate(
      auth::auth_request{c.token, c.remote_address}, c.executor,
      [this, weak, generation](auth::auth_result r) {
        auto state = weak.lock();
        if (!state || !state->connected || state->generation != generation || !state->who) return;
        actions_.revalidated(*state, std::move(r));
      });
}

}  // namespace txrt::telecomx
