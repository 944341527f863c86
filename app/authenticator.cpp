#include "app/authenticator.hpp"

#include <spdlog/spdlog.h>

#include "app/app_metrics.hpp"
#include "app/client.hpp"
#include "app/client_io.hpp"
#include "app/employee_index.hpp"
#include "app/replies.hpp"
#include "app/request_router.hpp"
#include "app/subscriptions.hpp"
#include "app/telecomx_namespace.hpp"
#include "auth/token_digest.hpp"
#include "protocol/log_text.hpp"
#include "protocol/telecomx/authenticate_payload.hpp"
#include "server/server_metrics.hpp"

namespace txrt::telecomx {

static_assert(metrics::auth_timeout_index ==
              static_cast<std::size_t>(auth::auth_error::unavailable) + 1);
static_assert(metrics::auth_rate_limited_index == metrics::auth_timeout_index + 1);

authenticator::authenticator(authenticator_deps deps, subscriptions& subs, client_io& io)
    : deps_(std::move(deps)),
      subs_(subs),
      io_(io),
      credentials_(deps_.employees.size(), deps_.validator, deps_.revalidate_interval,
                   credential_actions{[this](client& c) { expire(c); },
                                      [this](client& c, auth::auth_result r) {
                                        revalidated(c, std::move(r));
                                      }}) {}

void authenticator::start_deadline(client& c) {
  c.auth_timer = std::make_unique<boost::asio::steady_timer>(c.executor);
  c.auth_timer->expires_after(deps_.auth_timeout);
  std::weak_ptr<client> weak = c.weak_from_this();
  c.auth_timer->async_wait([this, weak](boost::system::error_code ec) {
    if (ec) return;
    auto state = weak.lock();
    if (!state || !state->connected || state->who) return;
    metrics::auth_results_total.at(metrics::auth_timeout_index).inc();
    io_.emit(*state, "unauthorized",
             failure_json("timeout", "not authenticated within authTimeout", false));
    io_.disconnect(*state);
  });
}

void authenticator::forget(client& c) {
  c.auth_timer.reset();  // cancels the wait
  forget_identity(c);
}

void authenticator::forget_identity(client& c) {
  c.token.clear();
  ++c.deadline_generation;
  if (!c.who) return;
  subs_.drop_all(c);
  metrics::authenticated_sockets.at(static_cast<std::size_t>(c.who->level)).dec();
  deps_.employees[c.loop]->remove(c.who->employee, c);
  if (deps_.router) deps_.router->employee_offline(c.who->employee);
}

void authenticator::refuse(client& c, std::optional<std::uint64_t> ack_id, auth::auth_error code,
                           std::string_view message) {
  refuse(c, ack_id, auth::to_code(code), static_cast<std::size_t>(code), message);
}

void authenticator::refuse(client& c, std::optional<std::uint64_t> ack_id, std::string_view name,
                           std::size_t metric_index, std::string_view message) {
  if (!c.connected) return;
  metrics::auth_results_total.at(metric_index).inc();
  io_.emit(c, "unauthorized", failure_json(name, message, false));
  if (ack_id) io_.ack(c, *ack_id, failure_json(name, message, true));
  // Refusals by a rate limit come in floods by nature: not one info line each.
  spdlog::log(
      metric_index == metrics::auth_rate_limited_index ? spdlog::level::debug : spdlog::level::info,
      "authenticate refused: socket={} ip={} code={}", c.socket_id.view(),
      protocol::log_text(c.remote_address), name);
  io_.disconnect(c);
}

bool authenticator::admit_attempt(client& c, std::optional<std::uint64_t> ack_id) {
  // Checked before the payload is even parsed: every attempt counts, well-formed or not. The
  // socket's own limit first, so that one noisy socket does not use up its address's budget.
  const auto now = limits::clock::now();
  std::optional<metrics::limit> hit;
  if (!c.auth_attempts.try_take(deps_.auth_per_socket, now))
    hit = metrics::limit::auth_per_socket;
  else if (deps_.auth_per_address && !deps_.auth_per_address->try_take(c.remote_address, now))
    hit = metrics::limit::auth_per_ip;
  if (!hit) return true;
  metrics::count_limited(*hit);
  // Whatever the validator is doing for an earlier attempt no longer matters.
  ++c.generation;
  refuse(c, ack_id, "rate_limited", metrics::auth_rate_limited_index,
         *hit == metrics::limit::auth_per_socket
             ? "too many authenticate attempts on this connection"
             : "too many authenticate attempts from this address");
  return false;
}

void authenticator::authenticate(client& c, std::string_view event_args,
                                 std::optional<std::uint64_t> ack_id) {
  if (!admit_attempt(c, ack_id)) return;
  auto payload = telecomx::parse_authenticate(event_args);
  const std::uint32_t generation = ++c.generation;
  if (!payload)
    return refuse(c, ack_id, auth::auth_error::credentials_invalid,
                  "authenticate needs {token: string}");
  c.reported.assign(payload->client_name, payload->instance_id, payload->ip);
  c.token_digest = auth::token_sha1_of(payload->token);

  auth::auth_request request{std::move(payload->token), c.remote_address};
  std::weak_ptr<client> weak = c.weak_from_this();
  deps_.validator->validate(request, c.executor,
                            [this, weak, generation, ack_id,
                             token = request.token](auth::auth_result r) mutable {
                              auto state = weak.lock();
                              // Gone, or a newer authenticate (or the disconnect) overtook
                              // this answer.
                              if (!state || !state->connected || state->generation != generation)
                                return;
                              finish(*state, ack_id, std::move(r), std::move(token));
                            });
}

void authenticator::finish(client& c, std::optional<std::uint64_t> ack_id, auth::auth_result r,
                           std::string token) {
  if (!r.who) return refuse(c, ack_id, r.error, r.message);
  if (r.who->level == telecomx::access_level::no_login)
    return refuse(c, ack_id, auth::auth_error::credentials_invalid, "this employee may not log in");
  // A document's exp/expires already past (the tokens file's validator refuses those itself).
  if (r.who->expires && *r.who->expires <= std::chrono::system_clock::now())
    return refuse(c, ack_id, auth::auth_error::expired, "token expired");
  if (!c.who || c.who->employee != r.who->employee) {
    // A first authentication, or another employee: nothing of the earlier identity stays.
    forget_identity(c);
    c.token = std::move(token);
    return accept(c, ack_id, std::move(r.who));
  }
  metrics::credential_refreshes.get().inc();
  c.token = std::move(token);
  // The same employee again (a refreshed token, a re-authenticate after a reconnect): the
  // subscriptions the new identity may still hold stay, in their rooms throughout. The
  // identity changes only once the review is done, as one step with the removals.
  std::weak_ptr<client> weak = c.weak_from_this();
  const std::uint32_t generation = c.generation;
  auto next = std::move(r.who);
  subs_.review(c, *next, [this, weak, generation, next, ack_id](access_review review) {
    auto state = weak.lock();
    if (!state || !state->connected || state->generation != generation || !state->who) return;
    reauthenticate(*state, ack_id, next, review);
  });
}

void authenticator::reauthenticate(client& c, std::optional<std::uint64_t> ack_id,
                                   shared_identity next, const access_review& review) {
  replace_identity(c, std::move(next), review);
  announce(c, ack_id);
}

void authenticator::replace_identity(client& c, shared_identity next,
                                     const access_review& review) {
  // Online before offline: the router's count for the employee never reaches zero, so its
  // REQUEST channel stays subscribed and its customer record follows the new identity.
  if (deps_.router) deps_.router->employee_online(next);
  if (deps_.router) deps_.router->employee_offline(c.who->employee);
  metrics::authenticated_sockets.at(static_cast<std::size_t>(c.who->level)).dec();
  metrics::authenticated_sockets.at(static_cast<std::size_t>(next->level)).inc();
  c.who = std::move(next);
  // The new identity's deadline replaces the old one: a refresh before expiry keeps the socket.
  credentials_.track(c);
  subs_.apply(c, review);
}

void authenticator::accept(client& c, std::optional<std::uint64_t> ack_id, shared_identity who) {
  c.who = std::move(who);
  credentials_.track(c);
  deps_.employees[c.loop]->add(c.who->employee, c);
  metrics::authenticated_sockets.at(static_cast<std::size_t>(c.who->level)).inc();
  if (deps_.router) deps_.router->employee_online(c.who);
  announce(c, ack_id);
}

void authenticator::restore(client& c, shared_identity who, std::string token) {
  c.auth_timer.reset();  // cancels the wait
  c.token_digest = auth::token_sha1_of(token);
  c.token = std::move(token);
  c.who = std::move(who);
  credentials_.track(c);
  deps_.employees[c.loop]->add(c.who->employee, c);
  metrics::authenticated_sockets.at(static_cast<std::size_t>(c.who->level)).inc();
  if (deps_.router) deps_.router->employee_online(c.who);
  if (deps_.observer) deps_.observer->on_authenticated(c);
}

void authenticator::announce(client& c, std::optional<std::uint64_t> ack_id) {
  c.auth_timer.reset();  // cancels the wait
  metrics::auth_results_total.at(0).inc();
  io_.emit(c, "authenticated", authenticated_json(*c.who, false));
  if (ack_id) io_.ack(c, *ack_id, authenticated_json(*c.who, true));
  if (deps_.observer) deps_.observer->on_authenticated(c);
}

}  // namespace txrt::telecomx
