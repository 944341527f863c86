#include "app/subscriptions.hpp"

#include "app/app_metrics.hpp"
#include "app/client.hpp"
#include "app/client_io.hpp"
#include "app/replies.hpp"
#include "auth/policy.hpp"

namespace txrt::telecomx {

namespace {

metrics::gauge& subscriptions_of_type(telecomx::subscription_type t) {
  return metrics::subscriptions.at(static_cast<std::size_t>(t));
}

}  // namespace

subscriptions::subscriptions(subscriptions_deps deps, client_io& io)
    : deps_(std::move(deps)), io_(io) {}

rooms::room_index<client>& subscriptions::index_of(const client& c) {
  return *deps_.indexes[c.loop];
}

void subscriptions::drop_all(client& c) {
  for (const auto& sub : index_of(c).subscriptions_of(c)) subscriptions_of_type(sub.type).dec();
  index_of(c).remove_all(c);
}

void subscriptions::fail(client& c, std::optional<std::uint64_t> ack_id, std::string_view type,
                         std::string_view customer, std::string_view code,
                         std::string_view message) {
  io_.emit(c, "subscribe_failed", subscribe_failed_json(type, customer, code, message));
  if (ack_id) io_.ack(c, *ack_id, failure_json(code, message, true));
}

std::optional<telecomx::subscription> subscriptions::requested(
    client& c, std::string_view event_args, std::optional<std::uint64_t> ack_id) {
  auto parsed = telecomx::parse_subscription_args(event_args);
  if (!c.who) {
    fail(c, ack_id, parsed.type_text, parsed.customer_text, "not_authenticated",
         "authenticate first");
    return std::nullopt;
  }
  if (!parsed.value) {
    fail(c, ack_id, parsed.type_text, parsed.customer_text, "invalid",
         parsed.error ? parsed.error->message : "invalid subscription");
    return std::nullopt;
  }
  return std::move(parsed.value);
}

void subscriptions::subscribe(client& c, std::string_view event_args,
                              std::optional<std::uint64_t> ack_id) {
  auto sub = requested(c, event_args, ack_id);
  if (!sub) return;
  if (!auth::needs_parent_chain(*c.who, *sub)) return decide(c, *sub, {}, ack_id);

  // A reseller reaching below its own customer: the directory decides. Its answer counts only
  // for the identity that asked (the generation) and while the client is still there.
  std::weak_ptr<client> weak = c.weak_from_this();
  const std::uint64_t generation = c.generation;
  const std::string customer = sub->customer;
  deps_.directory->parent_chain(
      customer, c.executor,
      [this, weak, generation, sub = std::move(*sub), ack_id](auth::chain_result chain) {
        auto state = weak.lock();
        if (!state || !state->connected || state->generation != generation || !state->who) return;
        if (!chain.ok)
          return fail(*state, ack_id, telecomx::to_string(sub.type), sub.customer, "unavailable",
                      "customer directory unavailable");
        decide(*state, sub, chain.parents, ack_id);
      });
}

void subscriptions::decide(client& c, const telecomx::subscription& sub,
                           const std::vector<std::string>& chain,
                           std::optional<std::uint64_t> ack_id) {
  if (auth::may_subscribe(*c.who, sub, chain) != auth::subscribe_decision::allowed)
    return fail(c, ack_id, telecomx::to_string(sub.type), sub.customer, "access_denied",
                "no access to this subscription");
  if (index_of(c).add(c, sub)) subscriptions_of_type(sub.type).inc();
  const std::string echo = telecomx::to_json(sub);
  io_.emit(c, "subscribed", echo);
  if (ack_id) io_.ack(c, *ack_id, success_with(echo));
}

void subscriptions::unsubscribe(client& c, std::string_view event_args,
                                std::optional<std::uint64_t> ack_id) {
  auto requested_sub = requested(c, event_args, ack_id);
  if (!requested_sub) return;
  const auto& sub = *requested_sub;
  // {type, customer} alone removes every subscription of that type and customer; with
  // events/types only the identical one.
  const bool exact = !sub.events.empty() || !sub.types.empty();
  const std::size_t removed =
      exact ? index_of(c).remove_exact(c, sub) : index_of(c).remove_type(c, sub.type, sub.customer);
  subscriptions_of_type(sub.type).dec(static_cast<std::int64_t>(removed));
  const std::string echo = telecomx::to_json(sub);
  io_.emit(c, "unsubscribed", echo);
  if (ack_id) io_.ack(c, *ack_id, unsubscribed_ack_json(echo, removed));
}

}  // namespace txrt::telecomx
