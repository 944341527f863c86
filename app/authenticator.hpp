#pragma once
// authenticate (SPEC §3): the authentication deadline, the attempt rate limits, the validator
// call, and the refusals.
//
// Contract:
// - start_deadline at connect: a client not authenticated within auth_timeout hears
//   `unauthorized {code:"timeout"}` and is disconnected.
// - authenticate: every attempt first takes from the per-socket, then the per-address budget;
//   past either it is refused with rate_limited (unvalidated, the payload not even parsed).
//   A malformed payload is refused with credentials_invalid. Otherwise the validator is asked;
//   its answer counts only if no newer authenticate (nor the disconnect) came in between (the
//   client's generation), and only while the client is connected.
// - Success: the identity replaces any earlier one. Another employee's: every subscription is
//   dropped. The same employee's (SPEC §3): the subscriptions the new identity may still hold
//   stay, the others are removed with `unsubscribed {…, reason}` (subscriptions::review, then
//   apply, in the same step as the identity changes). Then `authenticated` is emitted and the
//   ack (if asked) gets {success:true,…}. Failure and NO_LOGIN: `unauthorized {code, message}`, the
//   ack if asked {success:false,…}, then the disconnect. Every outcome is counted in
//   txrt_auth_total.
// - forget: the client leaves (disconnect): identity and subscriptions dropped.
// Runs on the client's loop only.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/credentials.hpp"
#include "auth/validator.hpp"
#include "protocol/telecomx/identity.hpp"
#include "server/limits/address_rate_limiter.hpp"
#include "server/limits/rate_limit.hpp"

namespace txrt::telecomx {

struct client;
class client_io;
class client_observer;
class employee_index;
class request_router;
class subscriptions;
struct access_review;

// An identity as a validator answered it, shared by the cache and the client (auth_result::who).
using shared_identity = std::shared_ptr<const telecomx::identity>;

struct authenticator_deps {
  std::shared_ptr<auth::token_validator> validator;
  std::vector<employee_index*> employees;  // one per loop, by loop index
  request_router* router = nullptr;        // may be null (tests)
  client_observer* observer = nullptr;     // may be null
  std::chrono::milliseconds auth_timeout{10000};
  // authenticate attempts: per socket, and per client address across every loop (may be null
  // = unlimited). Past either, the attempt is refused with rate_limited, unvalidated.
  limits::rate_limit auth_per_socket;
  std::shared_ptr<limits::address_rate_limiter> auth_per_address;
  // Live sockets' tokens are re-validated once per interval (SPEC §12); 0 = never.
  std::chrono::milliseconds revalidate_interval{60000};
};

class authenticator {
 public:
  authenticator(authenticator_deps deps, subscriptions& subs, client_io& io);

  // Arms the authentication deadline of a client that just connected.
  void start_deadline(client& c);
  void authenticate(client& c, std::string_view event_args, std::optional<std::uint64_t> ack_id);
  // The client is leaving: its identity (and so its subscriptions) are dropped.
  void forget(client& c);
  // Connection state recovery: a client that just connected takes `who` (validated anew) as a
  // session that authenticated before, without `authenticated` being sent; no auth deadline.
  void restore(client& c, shared_identity who, std::string token);

  // Credentials on live sockets (SPEC §12), on loop `loop` (must run there): every live
  // socket's token is re-validated now (SIGHUP's reload of the tokens file), or the
  // subscriptions on `customer` are re-checked through the directory (a customer moved).
  void revalidate_now(std::size_t loop);
  void recheck_customer(std::size_t loop, const std::string& customer);
  credentials& live() noexcept { return credentials_; }

 private:
  // False (and the client refused with rate_limited) when an authenticate limit is reached.
  bool admit_attempt(client& c, std::optional<std::uint64_t> ack_id);
  void finish(client& c, std::optional<std::uint64_t> ack_id, auth::auth_result r,
              std::string token);
  void refuse(client& c, std::optional<std::uint64_t> ack_id, auth::auth_error code,
              std::string_view message);
  // `unauthorized {code, message}`, the ack if asked for, then the disconnect; counted in
  // txrt_auth_total at `metric_index`.
  void refuse(client& c, std::optional<std::uint64_t> ack_id, std::string_view code,
              std::size_t metric_index, std::string_view message);
  // Drops the identity and everything that hangs on it (subscriptions, employee index).
  void forget_identity(client& c);
  // A client without an identity takes `who`.
  void accept(client& c, std::optional<std::uint64_t> ack_id, shared_identity who);
  // The same employee again, once `review` is known.
  void reauthenticate(client& c, std::optional<std::uint64_t> ack_id, shared_identity next,
                      const access_review& review);
  // The identity becomes `next` (same employee) and `review` is applied; nothing announced.
  void replace_identity(client& c, shared_identity next, const access_review& review);
  // The credential expired / an answer of the periodic (or SIGHUP's) re-validation.
  void expire(client& c);
  void revalidated(client& c, auth::auth_result r);
  // `unauthorized {code, message}`, then the disconnect (a live socket's credential).
  void drop_live(client& c, std::string_view code, std::string_view message);
  // `authenticated`, the ack, the count and the observer.
  void announce(client& c, std::optional<std::uint64_t> ack_id);

  authenticator_deps deps_;
  subscriptions& subs_;
  client_io& io_;
  credentials credentials_;
};

}  // namespace txrt::telecomx
