#pragma once
// subscribe / unsubscribe (SPEC §5): a client's subscriptions in the room index of its loop.
//
// Contract:
// - Every subscribe and unsubscribe first takes from the socket's budget
//   (subscribe-rate-per-socket); past it -> subscribe_failed rate_limited, the socket stays.
// - subscribe: not authenticated -> subscribe_failed not_authenticated; a malformed payload
//   (over the codec's bounds too) -> invalid (type and customer echoed as sent, when
//   strings); a known type the identity may not have -> access_denied; a reseller reaching
//   below its own customer asks the customer directory first (unreachable -> unavailable; an
//   answer that arrives after a re-authenticate or the disconnect is dropped). Allowed: an
//   identical one again is a no-op answered `subscribed`; a new one past
//   max-subscriptions-per-socket -> limit_reached; else added to the room index and
//   `subscribed` echoes the normalised subscription; the ack gets {success:true,…}.
// - unsubscribe {type, customer} removes every subscription of that type and customer; with
//   events/types only the identical one. `unsubscribed` echoes it; the ack adds "removed".
// - Every failure acks {success:false, code, message} when the client asked for an ack.
// - Re-authentication as the same employee: review() decides which subscriptions the new
//   identity may still hold; apply() removes the others with `unsubscribed {…, reason}`. The
//   socket stays in the rooms it keeps throughout, so no event is lost or doubled.
// The payload is parsed once (parse_subscription_args) and normalised once, by that codec.
// Runs on the client's loop only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "auth/directory.hpp"
#include "protocol/telecomx/identity.hpp"
#include "protocol/telecomx/subscription.hpp"
#include "rooms/room_index.hpp"
#include "server/limits/rate_limit.hpp"

namespace txrt::telecomx {

struct client;
class client_io;

struct subscriptions_deps {
  std::shared_ptr<auth::customer_directory> directory;
  std::vector<rooms::room_index<client>*> indexes;  // one per loop, by loop index
  std::size_t max_per_socket = 100;                 // max-subscriptions-per-socket
  limits::rate_limit rate_per_socket{20, std::chrono::seconds(1)};  // 0 = unlimited
  // Told after every change of a client's subscriptions (added, removed; not drop_all).
  std::function<void(client&)> on_change;
  // Told after a subscription was added (joined) or removed by subscribe / unsubscribe or a
  // review (the Admin UI's rooms); not for the disconnect's drop_all. May be empty.
  std::function<void(const client&, const telecomx::subscription&, bool joined)> on_room_change;
};

// Which of a client's subscriptions a new identity of the same employee may still hold.
struct access_review {
  std::vector<telecomx::subscription> kept;         // allowed
  std::vector<telecomx::subscription> unavailable;  // the directory could not tell: removed
};

class subscriptions {
 public:
  subscriptions(subscriptions_deps deps, client_io& io);

  void subscribe(client& c, std::string_view event_args, std::optional<std::uint64_t> ack_id);
  void unsubscribe(client& c, std::string_view event_args, std::optional<std::uint64_t> ack_id);
  // Drops every subscription of `c` (disconnect, another employee), without telling it.
  void drop_all(client& c);

  // Reviews `c`'s subscriptions for `next`, asking the directory for the parent chains the
  // decision needs. `done` runs on the client's loop: at once when no chain is needed (an
  // unchanged level, customer and organizationResellers keeps everything), else later; the
  // caller checks that the client is still there and still the one who asked.
  // With `only_customer`, the identity is unchanged but that customer's place in the tree may
  // have changed (CONFIG CUSTOMER_UPDATED/DELETED): its subscriptions are decided again (through
  // the directory when needed), every other one is kept.
  void review(const client& c, const telecomx::identity& next,
              std::function<void(access_review)> done,
              const std::string* only_customer = nullptr);
  // Once `c.who` is the new identity: keeps what `r` kept and removes every other subscription
  // with `unsubscribed {…, reason:"access_changed"}` ("unavailable" when the directory could
  // not tell). One made while the review ran is decided now, without the directory.
  void apply(client& c, const access_review& r);

  // Connection state recovery: decides which of `subs` `who` may hold (through the directory
  // when needed; `done` runs on `executor`), then restore() puts the kept ones back in the
  // client's rooms without a word to it (it holds them already, as far as it knows).
  void judge(const telecomx::identity& who, const std::vector<telecomx::subscription>& subs,
             boost::asio::any_io_executor executor, std::function<void(access_review)> done);
  void restore(client& c, const std::vector<telecomx::subscription>& kept);

  // The Admin UI's join (app/admin_hub.hpp): `sub` for `c` on its behalf, after the access
  // decision its own subscribe gets (the directory asked when needed) and within
  // max-subscriptions-per-socket, but not from its subscribe budget. Held: the client gets
  // `subscribed` as if it had asked, and `done("")`. Refused: the client is told nothing and
  // `done` gets the code (access_denied, limit_reached, unavailable, not_authenticated; gone
  // when the client left or re-authenticated while the directory answered). `done` runs on
  // the client's loop, once.
  void join_for_admin(client& c, const telecomx::subscription& sub,
                      std::function<void(std::string_view code)> done);
  // The Admin UI's leave: every subscription of `c` with the type and customer of `sub` (its
  // room) removed, each with `unsubscribed {…, reason:"admin"}`. Returns how many.
  std::size_t leave_for_admin(client& c, const telecomx::subscription& sub);

  rooms::room_index<client>& index_of(const client& c);

 private:
  // The access decision once the parent chain (if needed) is known, and the add: "" when `c`
  // holds `sub` now (told nothing yet), else the refusal's code (access_denied, limit_reached).
  std::string_view admit(client& c, const telecomx::subscription& sub,
                         const std::vector<std::string>& chain);
  // The subscription asked for, or nothing when the budget is spent, the client is not
  // authenticated or the payload is malformed (then the client has been told).
  std::optional<telecomx::subscription> requested(client& c, std::string_view event_args,
                                                  std::optional<std::uint64_t> ack_id);
  // The access decision once the parent chain (if needed) is known, and its answer.
  void decide(client& c, const telecomx::subscription& sub, const std::vector<std::string>& chain,
              std::optional<std::uint64_t> ack_id);
  void fail(client& c, std::optional<std::uint64_t> ack_id, std::string_view type,
            std::string_view customer, std::string_view code, std::string_view message);
  void judge(const telecomx::identity& who, access_review verdict,
             const std::vector<telecomx::subscription>& subs,
             boost::asio::any_io_executor executor, std::function<void(access_review)> done);
  // Removes `sub` (held by `c`) and tells the client why.
  void remove_with_reason(client& c, const telecomx::subscription& sub, std::string_view reason);

  subscriptions_deps deps_;
  client_io& io_;
};

}  // namespace txrt::telecomx
