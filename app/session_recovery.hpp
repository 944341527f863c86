#pragma once
// Connection state recovery for the Telecom X namespace (SPEC §11, docs/recovery.md): finding a
// session again on any node, sending what it missed, and keeping its record in the shared
// store so that any node can.
//
// The record (<prefix>recovery:session:<pid>, protocol/telecomx/recovery_record.hpp) is written
// when the session authenticates and whenever its subscriptions change (a fresh session's first
// write waits a little for its first subscription: see first_write_delay), lives 2 x window while
// the session is connected (refreshed every window / 2 by its node; a node that dies stops
// refreshing), and window after a disconnect the client may come back from; a client's own
// disconnect (or the server's) deletes it.
//
// A recovery (recover()): the pid must name a record; the offset (or, without one, the
// session's start) must lie inside this node's history; the token must validate again, as the
// same employee; the subscriptions are decided again for that identity. Only then is the
// session found: nothing is delivered that the identity may not receive now. Every failure is
// a fresh session for the client, counted by reason.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "app/app_metrics.hpp"
#include "auth/validator.hpp"
#include "bridge/kv_store.hpp"
#include "protocol/telecomx/recovery_record.hpp"
#include "server/engine/types.hpp"
#include "server/loop_pool.hpp"

namespace txrt::telecomx {

struct client;
class recovery_history;
class subscriptions;

struct recovery_deps {
  std::chrono::milliseconds window{0};  // recovery-window-ms; 0 = off
  std::string prefix;
  bridge::kv_store* store = nullptr;
  recovery_history* history = nullptr;
  // The stream position of the last event (or marker) loop i handled (fanout::delivered_position);
  // called on loop i.
  std::function<stream_offset(std::size_t loop)> position_of_loop;
  std::shared_ptr<auth::token_validator> validator;
  server::loop_pool* loops = nullptr;
  boost::asio::any_io_executor store_executor;  // the store's loop: where its answers arrive
  // Whether the employee or the token (by digest) was revoked lately (app/revocation); called on
  // the store's loop. May be empty.
  std::function<bool(std::string_view employee, std::string_view token_digest)> revoked_recently;
  // A node a little behind the stream (the client's offset is newer than its history) waits at
  // most this long to catch up before it refuses.
  std::chrono::milliseconds catch_up{2000};
  // A fresh session that authenticates without a subscription has its first record written
  // this much later, unless a subscription comes first: the usual authenticate-then-subscribe
  // then costs one write, not two. Until then there is no record, so a client back from a node
  // that died meanwhile gets an honest fresh session (recovered === false), never a record
  // missing what it holds; a transport that drops meanwhile writes it at once. Zero: at once.
  std::chrono::milliseconds first_write_delay{1000};
};

// What a recovery found: everything the resumed socket needs, decided already.
struct recovery_plan {
  recovery_record record;      // its subscriptions: those the identity may still hold
  std::shared_ptr<const telecomx::identity> who;  // as the validator answered it
  stream_offset from;          // replay the events after this
  stream_offset client_has;    // the client's own offset (unknown: it sent none)
};

class session_recovery {
 public:
  session_recovery(recovery_deps deps, subscriptions& subs);
  ~session_recovery();

  bool enabled() const noexcept { return deps_.window.count() > 0; }
  // Arms the refresh timer of every loop (call once, after the loops exist).
  void start();

  // Looks the session up and checks it; `done` gets the plan, or nullopt (counted). Any thread.
  void find(std::string pid, std::optional<std::string> offset, std::string address,
            std::function<void(std::optional<recovery_plan>)> done);
  // On the resumed client's loop, with the identity and subscriptions restored: hands `send`
  // every kept event after plan.from that its subscriptions select, in order. False when the
  // history no longer reaches back that far (the caller then drops the transport).
  bool replay(client& c, const recovery_plan& plan,
              const std::function<void(const engine::outgoing&)>& send);

  // The client's record, written anew (authenticated, subscriptions changed, resumed).
  void save(client& c);
  void disconnected(client& c, bool client_may_return);

  static void fail(metrics::recovery_failure why);
  // What the record keeps of a subscription to know since when it is held.
  static std::size_t key_of(const subscription& s);

 private:
  void refresh(std::size_t loop);  // on loop `loop`
  // Steps of find(), on the store's loop.
  void check_reach(std::shared_ptr<recovery_plan> plan, std::string address,
                   std::function<void(std::optional<recovery_plan>)> done,
                   std::chrono::steady_clock::time_point give_up);
  void validate(std::shared_ptr<recovery_plan> plan, std::string address,
                std::function<void(std::optional<recovery_plan>)> done);
  // The client's record; its subscriptions (with their start positions) when asked.
  recovery_record record_of(const client& c, bool with_subscriptions = true);
  void arm(std::size_t loop);
  // The first write of a fresh session, delayed (first_write_delay); on the client's loop.
  void defer_first_write(client& c);
  void arm_due(std::size_t loop);  // for the oldest due client of that loop
  void write_due(std::size_t loop);
  void write(client& c, recovery_record r);

  recovery_deps deps_;
  subscriptions& subs_;
  struct loop_state;
  std::vector<std::unique_ptr<loop_state>> loops_;
  // Per loop (one when there are no loops, as in tests), made on first use by that loop only.
  struct due_writes;
  std::vector<std::unique_ptr<due_writes>> due_;
};

}  // namespace txrt::telecomx
