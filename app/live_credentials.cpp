// The authenticator's side of credentials on live sockets (SPEC §12): what an expiry or a
// re-validation answer does to an authenticated socket. The timers and the walk over the
// sockets are app/credentials'.
#include <spdlog/spdlog.h>

#include "app/app_metrics.hpp"
#include "app/authenticator.hpp"
#include "app/client.hpp"
#include "app/client_io.hpp"
#include "app/replies.hpp"
#include "app/subscriptions.hpp"
#include "protocol/log_text.hpp"

namespace txrt::telecomx {

namespace {

void count(metrics::revalidation_result r) {
  metrics::revalidations.at(static_cast<std::size_t>(r)).inc();
}

bool same_access(const telecomx::identity& a, const telecomx::identity& b) {
  return a.customer == b.customer && a.level == b.level &&
         a.organization_resellers == b.organization_resellers;
}

}  // namespace

void authenticator::drop_live(client& c, std::string_view code, std::string_view message) {
  if (!c.connected) return;
  // The employee and the socket, never the token.
  spdlog::info("live credential {}: socket={} employee={}", code, c.socket_id.view(),
               protocol::log_text(c.who ? c.who->employee : std::string()));
  io_.emit(c, "unauthorized", failure_json(code, message, false));
  io_.disconnect(c);
}

void authenticator::expire(client& c) {
  metrics::credential_expirations.get().inc();
  drop_live(c, "expired", "the credential expired");
}

void authenticator::revalidated(client& c, auth::auth_result r) {
  using metrics::revalidation_result;
  if (!r.who) {
    // Fail open: a validator that cannot answer takes nothing from a live socket.
    if (r.error == auth::auth_error::unavailable) return count(revalidation_result::unavailable);
    count(revalidation_result::revoked);
    if (r.error == auth::auth_error::expired) return expire(c);
    return drop_live(c, "revoked", "the token is no longer valid");
  }
  if (r.who->level == telecomx::access_level::no_login || r.who->employee != c.who->employee) {
    count(revalidation_result::revoked);
    return drop_live(c, "revoked", "the token is no longer valid");
  }
  if (same_access(*c.who, *r.who)) {
    count(revalidation_result::ok);
    const bool new_deadline = c.who->expires != r.who->expires;
    // The same employee with the same access: only its name and expiry may differ, and the
    // answer's identity (immutable, shared) is taken whole rather than edited in place.
    c.who = std::move(r.who);
    if (new_deadline) credentials_.track(c);
    return;
  }
  count(revalidation_result::changed);
  // A changed level or customer: the re-authentication's review, without `authenticated`.
  std::weak_ptr<client> weak = c.weak_from_this();
  const std::uint32_t generation = c.generation;
  auto next = std::move(r.who);
  subs_.review(c, *next, [this, weak, generation, next](access_review review) {
    auto state = weak.lock();
    if (!state || !state->connected || state->generation != generation || !state->who) return;
    replace_identity(*state, next, review);
  });
}

void authenticator::revalidate_now(std::size_t loop) {
  credentials_.revalidate_now(loop);
}

void authenticator::recheck_customer(std::size_t loop, const std::string& customer) {
  credentials_.for_each_live(loop, [this, &customer](client& c) {
    bool holds = false;
    for (const auto& sub : subs_.index_of(c).subscriptions_of(c)) holds |= sub.customer == customer;
    if (!holds) return;
    std::weak_ptr<client> weak = c.weak_from_this();
    const std::uint32_t generation = c.generation;
    subs_.review(
        c, *c.who,
        [this, weak, generation](access_review review) {
          auto state = weak.lock();
          if (!state || !state->connected || state->generation != generation || !state->who) return;
          subs_.apply(*state, review);
        },
        &customer);
  });
}

}  // namespace txrt::telecomx
