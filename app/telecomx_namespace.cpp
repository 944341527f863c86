#include "app/telecomx_namespace.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "auth/policy.hpp"
#include "auth/token_digest.hpp"
#include "protocol/json.hpp"
#include "app/app_metrics.hpp"
#include "server/server_metrics.hpp"
#include "server/socketio/socket.hpp"
#include "app/client.hpp"
#include "app/employee_index.hpp"
#include "app/replies.hpp"
#include "app/request_router.hpp"

namespace txrt::telecomx {

namespace json = protocol::json;

static_assert(metrics::auth_timeout_index ==
              static_cast<std::size_t>(auth::auth_error::unavailable) + 1);
static_assert(metrics::auth_rate_limited_index == metrics::auth_timeout_index + 1);

namespace {

metrics::gauge& subscriptions_of_type(telecomx::subscription_type t) {
  return metrics::subscriptions.at(static_cast<std::size_t>(t));
}

constexpr std::size_t max_info_length = 256;  // client, instanceId, ip: informational only

client* client_of(const std::shared_ptr<sio::socket>& s) {
  return static_cast<client*>(s->app_state.get());
}

struct authenticate_payload {
  bool ok = false;
  std::string token;
  std::string client_name;
  std::string instance_id;
  std::string ip;
};

// {token, client?, instanceId?, ip?}: token a non-empty string; the others kept when strings.
authenticate_payload parse_authenticate(std::string_view args) {
  authenticate_payload p;
  auto first = json::first_element(args);
  if (first.empty()) return p;
  auto doc = json::parse(first);
  if (doc.error()) return p;
  simdjson::dom::object obj;
  if (doc.value().get_object().get(obj)) return p;
  std::string_view token;
  if (obj["token"].get_string().get(token) || token.empty()) return p;
  p.token = std::string(token);
  auto optional_text = [&](const char* key, std::string& out) {
    std::string_view v;
    if (!obj[key].get_string().get(v)) out = std::string(v.substr(0, max_info_length));
  };
  optional_text("client", p.client_name);
  optional_text("instanceId", p.instance_id);
  optional_text("ip", p.ip);
  p.ok = true;
  return p;
}

}  // namespace

telecomx_namespace::telecomx_namespace(namespace_deps deps) : deps_(std::move(deps)) {}

rooms::room_index<client>& telecomx_namespace::index_of(const client& c) { return *deps_.indexes[c.loop]; }

void telecomx_namespace::forget_identity(client& c) {
  if (!c.who) return;
  for (const auto& sub : index_of(c).subscriptions_of(c)) subscriptions_of_type(sub.type).dec();
  index_of(c).remove_all(c);
  metrics::authenticated_sockets.at(static_cast<std::size_t>(c.who->level)).dec();
  deps_.employees[c.loop]->remove(c.who->employee, c);
  if (deps_.router) deps_.router->employee_offline(c.who->employee);
}

void telecomx_namespace::on_connect(const std::shared_ptr<sio::socket>& s, std::string_view) {
  std::size_t loop = deps_.loops->current_index();
  if (loop >= deps_.indexes.size()) loop = 0;
  auto c = std::make_shared<client>(*s, loop);
  s->app_state = c;
  // Sockets that do not authenticate in time are disconnected.
  c->auth_timer.expires_after(deps_.auth_timeout);
  std::weak_ptr<sio::socket> weak = s;
  c->auth_timer.async_wait([weak](boost::system::error_code ec) {
    if (ec) return;
    auto socket = weak.lock();
    if (!socket || !socket->connected()) return;
    auto* state = client_of(socket);
    if (state && !state->who) {
      metrics::auth_results_total.at(metrics::auth_timeout_index).inc();
      socket->emit("unauthorized",
                   failure_json("timeout", "not authenticated within authTimeout", false));
      socket->disconnect();
    }
  });
  if (deps_.observer) deps_.observer->on_connected(*c);
}

void telecomx_namespace::on_disconnect(const std::shared_ptr<sio::socket>& s,
                                       sio::disconnect_reason reason) {
  auto* c = client_of(s);
  if (!c) return;
  c->connected = false;
  ++c->generation;
  c->auth_timer.cancel();
  forget_identity(*c);
  if (deps_.observer) deps_.observer->on_disconnected(*c, sio::to_string(reason));
  c->socket = nullptr;
  s->app_state.reset();
}

void telecomx_namespace::on_event(const std::shared_ptr<sio::socket>& s, const sio::event& e) {
  auto* c = client_of(s);
  if (!c) return;
  if (e.name == "authenticate") return authenticate(s, *c, e);
  if (e.name == "subscribe") return subscribe(*c, e);
  if (e.name == "unsubscribe") return unsubscribe(*c, e);
  if (e.name == "request" && deps_.router) return deps_.router->on_request(*c, e);
  if (e.name == "reply" && deps_.router) return deps_.router->on_reply(*c, e);
  // Other events (request/reply comes later) are ignored, as socket.io ignores unknown events.
}

// ---------------------------------------------------------------------------------------------
// authenticate

void telecomx_namespace::refuse(client& c, std::optional<std::uint64_t> ack_id,
                                auth::auth_error code, std::string_view message) {
  refuse(c, ack_id, auth::to_code(code), static_cast<std::size_t>(code), message);
}

void telecomx_namespace::refuse(client& c, std::optional<std::uint64_t> ack_id,
                                std::string_view name, std::size_t metric_index,
                                std::string_view message) {
  auto* s = c.socket;
  if (!s) return;
  metrics::auth_results_total.at(metric_index).inc();
  s->emit("unauthorized", failure_json(name, message, false));
  if (ack_id) s->ack(*ack_id, failure_json(name, message, true));
  // Refusals by a rate limit come in floods by nature: not one info line each.
  spdlog::log(metric_index == metrics::auth_rate_limited_index ? spdlog::level::debug
                                                               : spdlog::level::info,
              "authenticate refused: socket={} ip={} code={}", s->id(), s->remote_address(), name);
  s->disconnect();
}

bool telecomx_namespace::admit_attempt(client& c, const sio::socket& s,
                                       std::optional<std::uint64_t> ack_id) {
  // Checked before the payload is even parsed: every attempt counts, well-formed or not. The
  // socket's own limit first, so that one noisy socket does not use up its address's budget.
  const auto now = limits::clock::now();
  std::optional<metrics::limit> hit;
  if (!c.auth_attempts.try_take(deps_.auth_per_socket, now))
    hit = metrics::limit::auth_per_socket;
  else if (deps_.auth_per_address && !deps_.auth_per_address->try_take(s.remote_address(), now))
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

void telecomx_namespace::authenticate(const std::shared_ptr<sio::socket>& s, client& c,
                                      const sio::event& e) {
  if (!admit_attempt(c, *s, e.ack_id)) return;
  auto payload = parse_authenticate(e.args);
  const std::uint64_t generation = ++c.generation;
  if (!payload.ok)
    return refuse(c, e.ack_id, auth::auth_error::credentials_invalid,
                  "authenticate needs {token: string}");
  c.client_name = std::move(payload.client_name);
  c.instance_id = std::move(payload.instance_id);
  c.reported_ip = std::move(payload.ip);
  c.token_digest = auth::token_digest(payload.token);

  auth::auth_request request{std::move(payload.token), s->remote_address()};
  std::weak_ptr<sio::socket> weak = s;
  const auto ack_id = e.ack_id;
  deps_.validator->validate(
      request, s->executor(), [this, weak, generation, ack_id](auth::auth_result r) {
        auto socket = weak.lock();
        if (!socket || !socket->connected()) return;
        auto* state = client_of(socket);
        // A newer authenticate (or the disconnect) overtook this answer.
        if (!state || state->generation != generation) return;
        finish_authentication(*state, ack_id, std::move(r));
      });
}

void telecomx_namespace::finish_authentication(client& c, std::optional<std::uint64_t> ack_id,
                                               auth::auth_result r) {
  if (!r.who) return refuse(c, ack_id, r.error, r.message);
  if (r.who->level == telecomx::access_level::no_login)
    return refuse(c, ack_id, auth::auth_error::credentials_invalid, "this employee may not log in");
  // Authenticating again replaces the identity and drops every subscription.
  forget_identity(c);
  c.who = std::move(*r.who);
  c.auth_timer.cancel();
  deps_.employees[c.loop]->add(c.who->employee, c);
  metrics::authenticated_sockets.at(static_cast<std::size_t>(c.who->level)).inc();
  metrics::auth_results_total.at(0).inc();
  if (deps_.router) deps_.router->employee_online(*c.who);
  auto* s = c.socket;
  s->emit("authenticated", authenticated_json(*c.who, false));
  if (ack_id) s->ack(*ack_id, authenticated_json(*c.who, true));
  if (deps_.observer) deps_.observer->on_authenticated(c);
}

// ---------------------------------------------------------------------------------------------
// subscribe / unsubscribe

namespace {

void fail_subscription(client& c, std::optional<std::uint64_t> ack_id, std::string_view type,
                       std::string_view customer, std::string_view code,
                       std::string_view message) {
  auto* s = c.socket;
  if (!s) return;
  s->emit("subscribe_failed", subscribe_failed_json(type, customer, code, message));
  if (ack_id) s->ack(*ack_id, failure_json(code, message, true));
}

// The subscription a subscribe / unsubscribe asks for, or nothing when the socket is not
// authenticated or the payload is malformed (then the client has been told).
std::optional<telecomx::subscription> requested_subscription(client& c, const sio::event& e) {
  auto parsed = telecomx::parse_subscription(json::first_element(e.args));
  if (!c.who) {
    fail_subscription(c, e.ack_id, parsed.type_text, parsed.customer_text, "not_authenticated",
                      "authenticate first");
    return std::nullopt;
  }
  if (!parsed.value) {
    fail_subscription(c, e.ack_id, parsed.type_text, parsed.customer_text, "invalid",
                      parsed.error ? parsed.error->message : "invalid subscription");
    return std::nullopt;
  }
  return std::move(parsed.value);
}

}  // namespace

void telecomx_namespace::subscribe(client& c, const sio::event& e) {
  auto requested = requested_subscription(c, e);
  if (!requested) return;
  const telecomx::subscription sub = std::move(*requested);

  auto decide = [this, ack_id = e.ack_id](client& state, const telecomx::subscription& sub,
                                          const std::vector<std::string>& chain) {
    const auto type = telecomx::to_string(sub.type);
    if (auth::may_subscribe(*state.who, sub, chain) != auth::subscribe_decision::allowed)
      return fail_subscription(state, ack_id, type, sub.customer, "access_denied",
                               "no access to this subscription");
    if (index_of(state).add(state, sub)) subscriptions_of_type(sub.type).inc();
    const std::string echo = telecomx::to_json(sub);
    state.socket->emit("subscribed", echo);
    if (ack_id) state.socket->ack(*ack_id, success_with(echo));
  };

  if (!auth::needs_parent_chain(*c.who, sub)) return decide(c, sub, {});

  // A reseller reaching below its own customer: the directory decides.
  std::weak_ptr<sio::socket> weak = c.socket->shared_from_this();
  const std::uint64_t generation = c.generation;
  deps_.directory->parent_chain(
      sub.customer, c.socket->executor(),
      [weak, generation, sub, decide, ack_id = e.ack_id](auth::chain_result chain) {
        auto socket = weak.lock();
        if (!socket || !socket->connected()) return;
        auto* state = client_of(socket);
        if (!state || state->generation != generation || !state->who) return;
        if (!chain.ok)
          return fail_subscription(*state, ack_id, telecomx::to_string(sub.type), sub.customer,
                                   "unavailable", "customer directory unavailable");
        decide(*state, sub, chain.parents);
      });
}

void telecomx_namespace::unsubscribe(client& c, const sio::event& e) {
  auto requested = requested_subscription(c, e);
  if (!requested) return;
  const auto& sub = *requested;
  // {type, customer} alone removes every subscription of that type and customer; with
  // events/types only the identical one.
  const bool exact = !sub.events.empty() || !sub.types.empty();
  const std::size_t removed = exact ? index_of(c).remove_exact(c, sub)
                                    : index_of(c).remove_type(c, sub.type, sub.customer);
  subscriptions_of_type(sub.type).dec(static_cast<std::int64_t>(removed));
  const std::string echo = telecomx::to_json(sub);
  c.socket->emit("unsubscribed", echo);
  if (e.ack_id) {
    std::string ack = success_with(echo);
    ack.insert(ack.size() - 1, ",\"removed\":" + std::to_string(removed));
    c.socket->ack(*e.ack_id, ack);
  }
}

}  // namespace txrt::telecomx
