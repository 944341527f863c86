#include "app/request_flow.hpp"

#include <spdlog/spdlog.h>

#include "app/employee_presence.hpp"
#include "auth/policy.hpp"
#include "bridge/channels.hpp"
#include "server/server_metrics.hpp"
#include "server/socketio/event_frame.hpp"
#include "server/util/random_id.hpp"

namespace txrt::telecomx {

namespace {

constexpr std::string_view too_many_messages = "too many requests and replies on this connection";
constexpr std::string_view store_down = "the shared store is unreachable";
constexpr std::string_view not_connected = "no instance of the recipient is connected";

// Only a RESELLER's reach depends on the directory, and not for its own customer.
bool needs_chain(const telecomx::identity& who, const std::string& customer) {
  return who.level == telecomx::access_level::reseller && who.customer != customer;
}

}  // namespace

void request_flow::outcome_sink::fail(std::string_view code, std::string_view message) const {
  const auto i = metrics::index_of(metrics::request_results, code);
  if (i < metrics::request_results.size())
    metrics::requests.at(static_cast<std::size_t>(kind), i).inc();
  answer(request_outcome{code, std::string(message), {}});
}

void request_flow::outcome_sink::succeed(std::string request_id) const {
  metrics::requests.at(static_cast<std::size_t>(kind), 0).inc();  // "success"
  answer(request_outcome{"success", {}, std::move(request_id)});
}

request_flow::request_flow(request_flow_deps deps) : deps_(std::move(deps)) {}

bool request_flow::is_employee_channel(std::string_view channel) const noexcept {
  return bridge::parse_employee_channel(deps_.prefix, channel).has_value();
}

// ---------------------------------------------------------------------------------------------
// Sender's node

request_flow::outgoing_ptr request_flow::admit(const request_sender& sender, std::string_view args,
                                               telecomx::message_kind kind, outcome_sink out) {
  // Checked first, before any parsing or store round trip: a flood costs one clock read each.
  if (!sender.budget.try_take(deps_.per_socket, limits::clock::now())) {
    metrics::count_limited(metrics::limit::requests_per_socket);
    out.fail("rate_limited", too_many_messages);
    return nullptr;
  }
  if (!sender.who) {
    out.fail("not_authenticated", "authenticate first");
    return nullptr;
  }
  auto message = telecomx::parse_client_message(args, kind);
  if (!message.error.empty()) {
    out.fail("invalid", message.error);
    return nullptr;
  }
  telecomx::request_target from{sender.who->employee, std::string(sender.instance_id)};
  // The delivering node parses what this node writes: refuse here what it would drop there.
  if (const auto why = telecomx::sender_error(from, *sender.who); !why.empty()) {
    out.fail("invalid", why);
    return nullptr;
  }
  return std::make_shared<outgoing>(outgoing{
      std::move(out),
      *sender.who,
      std::move(from),
      std::move(message),
      {},
      {},
  });
}

void request_flow::on_request(const request_sender& sender, std::string_view args,
                              answer_function answer) {
  auto r = admit(sender, args, telecomx::message_kind::request,
                 {metrics::request_kind::request, std::move(answer)});
  if (!r) return;
  const auto& m = r->message;
  if (telecomx::is_zero_tier(m.request)) {
    if (m.to.employee != r->sender.employee)
      return r->out.fail("access_denied",
                         "CommunicatorZeroTier requests only between one employee's clients");
    if (m.reply_to && m.reply_to->employee != r->sender.employee)
      return r->out.fail("access_denied",
                         "a CommunicatorZeroTier request replies only to the sender's employee");
  }
  check_reach(r, m.to.employee, &request_flow::on_recipient_reach);
}

void request_flow::check_reach(const outgoing_ptr& r, const std::string& employee,
                               reach_step next) {
  deps_.store->hget(
      bridge::employee_customer_key(deps_.prefix), employee,
      [this, r, next](bridge::kv_value v) { on_reach_customer(r, next, std::move(v)); });
}

void request_flow::on_reach_customer(const outgoing_ptr& r, reach_step next, bridge::kv_value v) {
  if (!v.ok) return (this->*next)(r, reach::store_down, {});
  // No node has ever recorded the employee: never connected anywhere, customer unknown.
  if (!v.value) return (this->*next)(r, reach::unknown, {});
  if (!needs_chain(r->sender, *v.value)) return on_reach_chain(r, next, *v.value, {true, {}});
  const std::string customer = std::move(*v.value);
  deps_.directory->parent_chain(customer, deps_.bus_executor,
                                [this, r, next, customer](auth::chain_result chain) {
                                  on_reach_chain(r, next, customer, chain);
                                });
}

void request_flow::on_reach_chain(const outgoing_ptr& r, reach_step next,
                                  const std::string& customer, const auth::chain_result& chain) {
  if (!chain.ok) return (this->*next)(r, reach::directory_down, customer);
  const bool may = auth::may_access_customer(r->sender, customer, chain.parents);
  (this->*next)(r, may ? reach::allowed : reach::denied, customer);
}

bool request_flow::fail_unreachable(const outgoing_ptr& r, reach verdict) {
  if (verdict == reach::store_down) r->out.fail("unavailable", store_down);
  if (verdict == reach::directory_down)
    r->out.fail("unavailable", "customer directory unavailable");
  return verdict == reach::store_down || verdict == reach::directory_down;
}

void request_flow::on_recipient_reach(const outgoing_ptr& r, reach verdict, std::string customer) {
  if (fail_unreachable(r, verdict)) return;
  if (verdict == reach::unknown) return r->out.fail("offline", not_connected);
  if (verdict == reach::denied)
    return r->out.fail("access_denied", "no access to the recipient's customer");
  spdlog::debug("request: recipient {} has customer {}", r->message.to.employee, customer);
  r->customer = std::move(customer);
  check_reply_to(r);
}

void request_flow::check_reply_to(const outgoing_ptr& r) {
  // The same rule as `to`, so that a reply cannot carry data where the sender could not send
  // it; the sender's own employee is always allowed (the usual replyTo).
  const auto& reply_to = r->message.reply_to;
  if (!reply_to || reply_to->employee == r->sender.employee) return record(r);
  check_reach(r, reply_to->employee, &request_flow::on_reply_to_reach);
}

void request_flow::on_reply_to_reach(const outgoing_ptr& r, reach verdict, std::string) {
  if (fail_unreachable(r, verdict)) return;
  // Fail closed: an employee no node has recorded has no customer to check access to.
  if (verdict == reach::unknown)
    return r->out.fail("access_denied", "replyTo's customer is unknown");
  if (verdict == reach::denied)
    return r->out.fail("access_denied", "no access to replyTo's customer");
  record(r);
}

void request_flow::record(const outgoing_ptr& r) {
  r->request_id = util::random_id(18);
  // The record that lets the recipient reply, from any node, for a while.
  deps_.store->set(bridge::request_key(deps_.prefix, r->request_id),
                   telecomx::request_record_json(r->message), deps_.request_ttl,
                   [this, r](bool ok) { on_recorded(r, ok); });
}

void request_flow::on_recorded(const outgoing_ptr& r, bool ok) {
  if (!ok) return r->out.fail("unavailable", store_down);
  publish(r, bridge::employee_channel(deps_.prefix, r->message.to.employee),
          telecomx::request_envelope_json(r->message, r->request_id, r->from, r->sender));
}

void request_flow::on_reply(const request_sender& sender, std::string_view args,
                            answer_function answer) {
  auto r = admit(sender, args, telecomx::message_kind::reply,
                 {metrics::request_kind::reply, std::move(answer)});
  if (!r) return;
  r->request_id = r->message.request_id;
  deps_.store->get(bridge::request_key(deps_.prefix, r->request_id),
                   [this, r](bridge::kv_value v) { on_request_record(r, std::move(v)); });
}

void request_flow::on_request_record(const outgoing_ptr& r, bridge::kv_value v) {
  if (!v.ok) return r->out.fail("unavailable", store_down);
  if (!v.value) return r->out.fail("unknown_request", "no such request (or it expired)");
  const auto record = telecomx::parse_request_record(*v.value);
  if (!record) return r->out.fail("unknown_request", "no such request");
  auto& m = r->message;
  // Only the employee the request was delivered to may answer it (only the addressed instance,
  // when the request named one)...
  if (record->employee != r->from.employee)
    return r->out.fail("unknown_request", "no such request");
  if (!record->instance_id.empty() && record->instance_id != r->from.instance_id)
    return r->out.fail("access_denied", "only the addressed instance may answer this request");
  if (record->request != m.request)
    return r->out.fail("invalid", "request does not match the request");
  // ... and only towards the request's replyTo.
  if (!record->wants_reply) return r->out.fail("access_denied", "the request asked for no reply");
  const auto& reply_to = record->reply_to;
  if (!reply_to || reply_to->employee != m.to.employee)
    return r->out.fail("access_denied", "a reply goes only to the request's replyTo");
  if (!reply_to->instance_id.empty()) {
    if (!m.to.instance_id.empty() && m.to.instance_id != reply_to->instance_id)
      return r->out.fail("access_denied", "a reply goes only to the request's replyTo");
    m.to.instance_id = reply_to->instance_id;
  }
  // Accepted: the record lives request_ttl from now, so a stream lives while replies keep
  // coming. Not awaited: the store and the bus send one thread's commands on one Redis connection
  // (redis_command_pool.hpp), or run on one loop, so the renewal is sent before the PUBLISH and
  // done before the replier is acked.
  deps_.store->expire(bridge::request_key(deps_.prefix, r->request_id), deps_.request_ttl, nullptr);
  publish(r, bridge::employee_channel(deps_.prefix, m.to.employee),
          telecomx::reply_envelope_json(m, r->from));
}

void request_flow::publish(const outgoing_ptr& r, std::string channel, std::string envelope) {
  deps_.bus->publish_counted(std::move(channel), std::move(envelope),
                             [r](long receivers) { on_published(r, receivers); });
}

void request_flow::on_published(const outgoing_ptr& r, long receivers) {
  spdlog::debug("request {}: {} receivers", r->request_id, receivers);
  if (receivers < 0) return r->out.fail("unavailable", "the bus is unreachable");
  // PUBLISH reached no node: no node subscribes the recipient's channel, so none holds it.
  if (receivers == 0) return r->out.fail("offline", not_connected);
  r->out.succeed(r->request_id);
}

// ---------------------------------------------------------------------------------------------
// Delivering node

void request_flow::on_employee_message(std::string_view channel, std::string_view payload) {
  const auto employee = bridge::parse_employee_channel(deps_.prefix, channel);
  if (!employee) return;
  auto decoded = telecomx::parse_envelope(payload);
  if (decoded.status == telecomx::envelope_status::malformed) {
    spdlog::warn("dropped a malformed message on {}", channel);
    return;
  }
  auto& env = decoded.envelope;
  if (decoded.status != telecomx::envelope_status::ok || env.to.employee != *employee) return;
  if (env.kind == telecomx::envelope_kind::reply)
    return deliver(env.to.employee, env.to.instance_id, env.kind, env.event_args);
  check_delivery(incoming{std::string(*employee), {}, std::move(env)});
}

void request_flow::check_delivery(incoming in) {
  // The delivering node checks again, with its own knowledge of the recipient.
  auto customer = deps_.presence->customer_of(in.employee);
  if (!customer) return;
  in.customer = std::move(*customer);
  const auto& sender = in.envelope.sender;
  if (telecomx::is_zero_tier(in.envelope.request) && sender.employee != in.employee) return;
  if (!needs_chain(sender, in.customer)) return on_sender_chain(in, {});
  const std::string customer_id = in.customer;  // read before `in` moves
  deps_.directory->parent_chain(customer_id, deps_.bus_executor,
                                [this, in = std::move(in)](auth::chain_result chain) {
                                  if (chain.ok) on_sender_chain(in, chain.parents);
                                });
}

void request_flow::on_sender_chain(const incoming& in, const std::vector<std::string>& chain) {
  const auto& env = in.envelope;
  if (!auth::may_access_customer(env.sender, in.customer, chain)) {
    spdlog::warn("request for {} refused on delivery: sender {} has no access", in.employee,
                 env.sender.employee);
    return;
  }
  deliver(in.employee, env.to.instance_id, env.kind, env.event_args);
}

void request_flow::deliver(const std::string& employee, const std::string& instance_id,
                           telecomx::envelope_kind kind, std::string_view args) {
  deps_.deliver(employee, instance_id, sio::encode_event(telecomx::event_name(kind), args));
}

}  // namespace txrt::telecomx
