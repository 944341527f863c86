#pragma once
// Credentials on live sockets (SPEC §12): expiry and periodic re-validation of the tokens of
// authenticated sockets. What follows from an answer (the refusal, the identity replaced, the
// subscriptions re-checked) is the authenticator's, through `credential_actions`.
//
// Contract:
// - track(c) once `c.who` is (again) set: the client's expiry deadline replaces any earlier one
//   (none: it does not expire), and the client joins its loop's revalidation roster.
// - Expiry: ONE system_timer per loop over a deadline_heap; a due entry whose generation is
//   still the client's (client::deadline_generation) calls actions.expire.
// - Revalidation (interval > 0): each loop ticks `slices` times per interval and re-validates
//   the next slice of its roster, so every live socket is asked about once per interval, never
//   all at once. An answer that arrives after a newer authenticate or the disconnect is
//   dropped; otherwise actions.revalidated gets it.
// - revalidate_now(loop): every live client of that loop at once (SIGHUP's reload).
// - for_each_live(loop, f): the authenticated, connected clients of that loop.
// Every per-loop function must run on that loop; the timers' handlers do.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "auth/validator.hpp"

namespace txrt::telecomx {

struct client;

struct credential_actions {
  std::function<void(client&)> expire;
  std::function<void(client&, auth::auth_result)> revalidated;
};

class credentials {
 public:
  // Revalidation ticks per interval: a loop asks about 1/slices of its sockets per tick.
  static constexpr std::size_t slices = 10;

  // `loops`: how many loops there are (every client's loop index is below it).
  credentials(std::size_t loops, std::shared_ptr<auth::token_validator> validator,
              std::chrono::milliseconds revalidate_interval, credential_actions actions);
  ~credentials();

  void track(client& c);
  void revalidate_now(std::size_t loop);
  void for_each_live(std::size_t loop, const std::function<void(client&)>& f);

  // Entries in a loop's deadline heap, stale ones included (tests).
  std::size_t deadlines(std::size_t loop) const;

 private:
  struct loop_state;
  loop_state& state_of(const client& c);
  void arm_expiry(const std::shared_ptr<loop_state>& s);
  void on_expiry(const std::shared_ptr<loop_state>& s);
  void start_ticks(const std::shared_ptr<loop_state>& s);
  void on_tick(const std::shared_ptr<loop_state>& s);
  // Forgets the clients that left (or lost their identity).
  static void compact(loop_state& s);
  void revalidate(client& c);

  std::shared_ptr<auth::token_validator> validator_;
  std::chrono::milliseconds interval_;
  credential_actions actions_;
  // By loop index. Sized once, at construction: every loop reads it, so it must never grow
  // (a resize from one loop reallocated it under another's read). Each slot is made on first
  // use by its own loop and touched only there.
  std::vector<std::shared_ptr<loop_state>> loops_;
};

}  // namespace txrt::telecomx
