#include "app/session_recovery.hpp"

#include <algorithm>
#include <deque>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/client.hpp"
#include "app/recovery_history.hpp"
#include "app/subscriptions.hpp"
#include "auth/token_digest.hpp"
#include "bridge/channels.hpp"

namespace txrt::telecomx {

namespace {

// Our pids: util::random_id(18), 24 characters of base64url. Anything else is nobody's, and is
// refused before the store is asked.
bool plausible_pid(std::string_view pid) noexcept {
  if (pid.size() != 24) return false;
  return std::all_of(pid.begin(), pid.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
  });
}

metrics::recovery_failure failure_of(coverage c) noexcept {
  switch (c) {
    case coverage::too_old: return metrics::recovery_failure::expired_offset;
    case coverage::ahead: return metrics::recovery_failure::offset_ahead;
    default: return metrics::recovery_failure::unknown_offset;
  }
}

// Since when `c` has held the subscription with this key; `otherwise` for a new one.
stream_offset held_since(const client& c, std::size_t key, stream_offset otherwise) {
  if (!c.recovery) return otherwise;
  for (const auto& [k, since] : c.recovery->held)
    if (k == key) return since;
  return otherwise;
}

}  // namespace

// A loop's roster of recoverable sessions, whose records it keeps alive, and its timer.
struct session_recovery::loop_state {
  explicit loop_state(boost::asio::io_context& loop) : timer(loop) {}
  boost::asio::steady_timer timer;
  std::vector<std::weak_ptr<client>> roster;
};

// A loop's fresh sessions whose first record is due, oldest first (they all wait the same
// delay), and the timer set for the oldest.
struct session_recovery::due_writes {
  explicit due_writes(client::loop_executor ex) : timer(ex) {}
  boost::asio::steady_timer timer;
  bool armed = false;
  std::deque<std::pair<std::weak_ptr<client>, std::chrono::steady_clock::time_point>> clients;
};

session_recovery::session_recovery(recovery_deps deps, subscriptions& subs)
    : deps_(std::move(deps)), subs_(subs) {
  due_.resize(deps_.loops ? std::max<std::size_t>(deps_.loops->size(), 1) : 1);
}

session_recovery::~session_recovery() = default;

void session_recovery::fail(metrics::recovery_failure why) {
  metrics::recoveries.at(static_cast<std::size_t>(metrics::recovery_result::failed)).inc();
  metrics::recovery_failures_by_reason.at(static_cast<std::size_t>(why)).inc();
}

void session_recovery::start() {
  if (!enabled() || !deps_.loops) return;
  for (std::size_t i = 0; i < deps_.loops->size(); ++i)
    loops_.push_back(std::make_unique<loop_state>(deps_.loops->loop(i)));
  deps_.loops->post_to_each([this](std::size_t i) { arm(i); });
}

void session_recovery::arm(std::size_t loop) {
  auto& state = *loops_[loop];
  state.timer.expires_after(deps_.window / 2);
  state.timer.async_wait([this, loop](boost::system::error_code ec) {
    if (ec) return;
    refresh(loop);
    arm(loop);
  });
}

void session_recovery::refresh(std::size_t loop) {
  auto& roster = loops_[loop]->roster;
  const auto ttl = deps_.window * 2;
  std::erase_if(roster, [&](const std::weak_ptr<client>& weak) {
    auto c = weak.lock();
    if (!c || !c->connected || !c->recovery || !c->recovery->listed) return true;
    deps_.store->expire(bridge::recovery_session_key(deps_.prefix, c->recovery->pid), ttl, nullptr);
    return false;
  });
}

void session_recovery::find(std::string pid, std::optional<std::string> offset,
                            std::string address,
                            std::function<void(std::optional<recovery_plan>)> done) {
  if (!enabled()) {
    fail(metrics::recovery_failure::disabled);
    return done(std::nullopt);
  }
  if (!plausible_pid(pid)) {
    fail(metrics::recovery_failure::invalid_request);
    return done(std::nullopt);
  }
  auto plan = std::make_shared<recovery_plan>();
  if (offset) {
    auto parsed = parse_offset(*offset);
    if (!parsed || !parsed->known()) {
      fail(metrics::recovery_failure::unknown_offset);
      return done(std::nullopt);
    }
    plan->client_has = *parsed;
  }
  deps_.store->get(
      bridge::recovery_session_key(deps_.prefix, pid),
      [this, plan, address = std::move(address), done = std::move(done)](bridge::kv_value v) mutable {
        // On the store's loop.
        if (!v.ok) {
          fail(metrics::recovery_failure::unavailable);
          return done(std::nullopt);
        }
        auto record = v.value ? parse_recovery_record(*v.value) : std::nullopt;
        if (!record) {
          if (v.value) spdlog::warn("recovery: an unreadable session record was ignored");
          fail(metrics::recovery_failure::unknown_session);
          return done(std::nullopt);
        }
        plan->record = std::move(*record);
        const auto& r = plan->record;
        // The client has everything its node sent (its offset is the last one, or it sent none
        // and none was sent): nothing meant for it came before `through`. Otherwise replay
        // starts after its own offset, or after the session's start when it has none.
        if (r.through.known() && plan->client_has == r.last_sent)
          plan->from = r.through;
        else
          plan->from = plan->client_has.known() ? plan->client_has : r.since;
        check_reach(plan, std::move(address), std::move(done),
                    std::chrono::steady_clock::now() + deps_.catch_up);
      });
}

void session_recovery::check_reach(std::shared_ptr<recovery_plan> plan, std::string address,
                                   std::function<void(std::optional<recovery_plan>)> done,
                                   std::chrono::steady_clock::time_point give_up) {
  const auto reach = deps_.history->covers(plan->from);
  if (reach == coverage::ahead && std::chrono::steady_clock::now() < give_up) {
    // This node has not received the client's last event yet (its old node was ahead): wait a
    // little for the stream to catch up rather than refuse at once.
    auto timer = std::make_shared<boost::asio::steady_timer>(deps_.store_executor,
                                                             std::chrono::milliseconds(50));
    timer->async_wait([this, timer, plan, address = std::move(address), done = std::move(done),
                       give_up](boost::system::error_code ec) mutable {
      if (ec) return done(std::nullopt);
      check_reach(plan, std::move(address), std::move(done), give_up);
    });
    return;
  }
  if (reach != coverage::covered) {
    fail(failure_of(reach));
    return done(std::nullopt);
  }
  validate(std::move(plan), std::move(address), std::move(done));
}

void session_recovery::validate(std::shared_ptr<recovery_plan> plan, std::string address,
                                std::function<void(std::optional<recovery_plan>)> done) {
  if (deps_.revoked_recently &&
      deps_.revoked_recently(plan->record.employee, auth::token_digest(plan->record.token))) {
    fail(metrics::recovery_failure::revoked);
    return done(std::nullopt);
  }
  auth::auth_request request{plan->record.token, std::move(address)};
  deps_.validator->validate(
      request, deps_.store_executor, [this, plan, done = std::move(done)](auth::auth_result r) mutable {
        if (!r.who) {
          fail(r.error == auth::auth_error::unavailable ? metrics::recovery_failure::unavailable
                                                        : metrics::recovery_failure::revoked);
          return done(std::nullopt);
        }
        if (r.who->employee != plan->record.employee) {
          fail(metrics::recovery_failure::employee_changed);
          return done(std::nullopt);
        }
        if (r.who->level == access_level::no_login ||
            (r.who->expires && *r.who->expires <= std::chrono::system_clock::now())) {
          fail(metrics::recovery_failure::revoked);
          return done(std::nullopt);
        }
        plan->who = std::move(r.who);
        std::vector<subscription> held;
        for (const auto& h : plan->record.subscriptions) held.push_back(h.what);
        subs_.judge(*plan->who, held, deps_.store_executor,
                    [plan, done = std::move(done)](access_review review) mutable {
                      // Only what the identity may hold now comes back.
                      std::erase_if(plan->record.subscriptions, [&](const auto& h) {
                        return std::find(review.kept.begin(), review.kept.end(), h.what) ==
                               review.kept.end();
                      });
                      done(std::move(*plan));
                    });
      });
}

bool session_recovery::replay(client& c, const recovery_plan& plan,
                              const std::function<void(const engine::outgoing&)>& send) {
  const stream_offset upto = deps_.position_of_loop(c.loop);
  std::size_t sent = 0;
  // Only a resumed socket is replayed to, and it always has offsets (telecomx_namespace::resume).
  auto& rec = *c.recovery;
  rec.last_sent = plan.client_has;
  const auto& held = plan.record.subscriptions;
  const bool reached = deps_.history->for_each_after(plan.from, upto, [&](const history_entry& e) {
    const auto meta = e.meta();
    for (const auto& h : held) {
      if (e.position > h.since && matches(h.what, meta)) {
        send(e.frame);
        rec.last_sent = e.position;
        ++sent;
        return;
      }
    }
  });
  if (!reached) return false;
  // Events this loop has not delivered yet reach the client through its rooms; the ones it
  // already has (its node was ahead of this one) are skipped there.
  rec.replayed_through = std::max(plan.from, upto);
  metrics::recovery_replayed.get().inc(sent);
  metrics::recoveries.at(static_cast<std::size_t>(metrics::recovery_result::recovered)).inc();
  return true;
}

std::size_t session_recovery::key_of(const subscription& s) {
  return std::hash<std::string>{}(to_json(s));
}

recovery_record session_recovery::record_of(const client& c, bool with_subscriptions) {
  recovery_record r;
  r.sid = c.socket_id;
  r.token = c.token;
  r.employee = c.who->employee;
  r.client_name = c.reported.client_name();
  r.instance_id = c.reported.instance_id();
  r.reported_ip = c.reported.ip();
  if (c.recovery) r.since = c.recovery->since;
  if (!with_subscriptions) return r;
  for (const auto& sub : subs_.index_of(c).subscriptions_of(c)) {
    const auto key = key_of(sub);
    r.subscriptions.push_back({sub, held_since(c, key, r.since)});
  }
  return r;
}

void session_recovery::save(client& c) {
  if (!enabled() || !c.recovery || !c.who || !c.connected || c.token.empty()) return;
  auto& rec = *c.recovery;
  const stream_offset now = deps_.position_of_loop(c.loop);
  // A resumed session comes with its start; a fresh one starts at its first save.
  const bool fresh = !rec.since.known();
  if (fresh) rec.since = now;
  const auto& subscriptions = subs_.index_of(c).subscriptions_of(c);
  // Never written and nothing held yet: a fresh session's subscription usually follows at once.
  // Decided before the record is built, which a deferred save does not need.
  if (!rec.listed && subscriptions.empty() && (fresh || rec.first_write_due) &&
      deps_.first_write_delay.count() > 0) {
    rec.held.clear();
    return defer_first_write(c);
  }
  // Each subscription keeps the position it was first held at; a new one starts now.
  auto r = record_of(c, false);
  std::vector<std::pair<std::size_t, stream_offset>> held;
  for (const auto& sub : subscriptions) {
    const auto key = key_of(sub);
    held.emplace_back(key, held_since(c, key, now));
    r.subscriptions.push_back({sub, held.back().second});
  }
  rec.held = std::move(held);
  rec.first_write_due = false;
  write(c, std::move(r));
}

void session_recovery::write(client& c, recovery_record r) {
  auto& rec = *c.recovery;
  auto text = encode(r);
  if (text.size() > max_recovery_record_bytes) {
    spdlog::warn("recovery: the session record of socket {} is too large to keep",
                 c.socket_id.view());
    return;
  }
  deps_.store->set(bridge::recovery_session_key(deps_.prefix, rec.pid), std::move(text),
                   deps_.window * 2, nullptr);
  if (!rec.listed) {
    rec.listed = true;
    if (!loops_.empty()) loops_[c.loop]->roster.push_back(c.weak_from_this());
  }
}

void session_recovery::defer_first_write(client& c) {
  if (c.recovery->first_write_due) return;  // already waiting
  c.recovery->first_write_due = true;
  const std::size_t loop = c.loop < due_.size() ? c.loop : 0;
  auto& due = due_[loop];
  if (!due) due = std::make_unique<due_writes>(c.executor);
  due->clients.emplace_back(c.weak_from_this(),
                            std::chrono::steady_clock::now() + deps_.first_write_delay);
  if (!due->armed) arm_due(loop);
}

void session_recovery::arm_due(std::size_t loop) {
  auto& due = *due_[loop];
  due.armed = true;
  due.timer.expires_at(due.clients.front().second);
  due.timer.async_wait([this, loop](boost::system::error_code ec) {
    if (!ec) write_due(loop);
  });
}

void session_recovery::write_due(std::size_t loop) {
  auto& due = *due_[loop];
  due.armed = false;
  const auto now = std::chrono::steady_clock::now();
  while (!due.clients.empty() && due.clients.front().second <= now) {
    auto c = due.clients.front().first.lock();
    due.clients.pop_front();
    // Gone, written meanwhile (a subscription came), or written at its disconnect.
    if (!c || !c->recovery || !c->recovery->first_write_due) continue;
    c->recovery->first_write_due = false;
    save(*c);
  }
  if (!due.clients.empty()) arm_due(loop);
}

void session_recovery::disconnected(client& c, bool client_may_return) {
  if (!enabled() || !c.recovery) return;
  auto& rec = *c.recovery;
  // A first write still due is made now if the client may come back, else never.
  const bool written = rec.listed, due = rec.first_write_due;
  rec.listed = rec.first_write_due = false;
  if (!written && !due) return;
  const auto key = bridge::recovery_session_key(deps_.prefix, rec.pid);
  // Deleted at once when the client may not come back (it left, or was sent away).
  if (!client_may_return || !c.who || c.token.empty()) {
    if (written) deps_.store->expire(key, std::chrono::milliseconds(1), nullptr);
    return;
  }
  // Written once more with what this node sent it and how far it had got: the client may be
  // back after this node's history, or another's, has moved past its last event.
  auto r = record_of(c);
  r.last_sent = c.recovery->last_sent;
  r.through = deps_.position_of_loop(c.loop);
  auto text = encode(r);
  if (text.size() > max_recovery_record_bytes) return deps_.store->expire(key, deps_.window, nullptr);
  deps_.store->set(key, std::move(text), deps_.window, nullptr);
}

}  // namespace txrt::telecomx
