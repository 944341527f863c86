#include "app/subscriptions.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "app/app_metrics.hpp"
#include "server/server_metrics.hpp"
#include "app/client.hpp"
#include "app/client_io.hpp"
#include "app/replies.hpp"
#include "auth/policy.hpp"

namespace txrt::telecomx {

namespace {

metrics::gauge& subscriptions_of_type(telecomx::subscription_type t) {
  return metrics::subscriptions.at(static_cast<std::size_t>(t));
}

bool holds(const std::vector<telecomx::subscription>& list, const telecomx::subscription& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// What the access decision depends on besides the subscription (auth::may_subscribe).
bool same_access(const telecomx::identity& a, const telecomx::identity& b) {
  return a.level == b.level && a.customer == b.customer &&
         a.organization_resellers == b.organization_resellers;
}

bool allowed(const telecomx::identity& who, const telecomx::subscription& s,
             const std::vector<std::string>& chain) {
  return auth::may_subscribe(who, s, chain) == auth::subscribe_decision::allowed;
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
  // Parsed before the budget is checked so that even a refusal names the subscription; the
  // parse is bounded by max-payload and the Socket.IO codec has parsed the packet already.
  auto parsed = telecomx::parse_subscription_args(event_args);
  if (!c.subscribe_ops.try_take(deps_.rate_per_socket, limits::clock::now())) {
    metrics::count_limited(metrics::limit::subscribe_rate_per_socket);
    fail(c, ack_id, parsed.type_text, parsed.customer_text, "rate_limited",
         "too many subscribe/unsubscribe messages on this connection");
    return std::nullopt;
  }
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
  const std::uint32_t generation = c.generation;
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

std::string_view subscriptions::admit(client& c, const telecomx::subscription& sub,
                                      const std::vector<std::string>& chain) {
  if (!allowed(*c.who, sub, chain)) return "access_denied";
  // An identical subscription again is answered as a success and not counted twice.
  const auto& held = index_of(c).subscriptions_of(c);
  if (holds(held, sub)) return {};
  if (held.size() >= deps_.max_per_socket) {
    metrics::count_limited(metrics::limit::subscriptions_per_socket);
    return "limit_reached";
  }
  if (index_of(c).add(c, sub)) {
    subscriptions_of_type(sub.type).inc();
    if (deps_.on_change) deps_.on_change(c);
    if (deps_.on_room_change) deps_.on_room_change(c, sub, true);
  }
  return {};
}

void subscriptions::decide(client& c, const telecomx::subscription& sub,
                           const std::vector<std::string>& chain,
                           std::optional<std::uint64_t> ack_id) {
  const std::string_view code = admit(c, sub, chain);
  if (code == "access_denied")
    return fail(c, ack_id, telecomx::to_string(sub.type), sub.customer, code,
                "no access to this subscription");
  if (!code.empty())
    return fail(c, ack_id, telecomx::to_string(sub.type), sub.customer, code,
                "max-subscriptions-per-socket reached: unsubscribe first");
  const std::string echo = telecomx::to_json(sub);
  io_.emit(c, "subscribed", echo);
  if (ack_id) io_.ack(c, *ack_id, success_with(echo));
}

void subscriptions::join_for_admin(client& c, const telecomx::subscription& sub,
                                   std::function<void(std::string_view)> done) {
  if (!c.who) return done("not_authenticated");
  auto finish = [this, sub](client& c, const std::vector<std::string>& chain,
                            const std::function<void(std::string_view)>& done) {
    const std::string_view code = admit(c, sub, chain);
    if (code.empty()) io_.emit(c, "subscribed", telecomx::to_json(sub));
    done(code);
  };
  if (!auth::needs_parent_chain(*c.who, sub)) return finish(c, {}, done);
  // As subscribe's: the answer counts for the identity that asked, while the client is there.
  std::weak_ptr<client> weak = c.weak_from_this();
  const std::uint32_t generation = c.generation;
  deps_.directory->parent_chain(
      sub.customer, c.executor,
      [weak, generation, finish, done = std::move(done)](auth::chain_result chain) {
        auto state = weak.lock();
        if (!state || !state->connected || state->generation != generation || !state->who)
          return done("gone");
        if (!chain.ok) return done("unavailable");
        finish(*state, chain.parents, done);
      });
}

std::size_t subscriptions::leave_for_admin(client& c, const telecomx::subscription& sub) {
  // A copy: removing changes the list.
  const std::vector<telecomx::subscription> held = index_of(c).subscriptions_of(c);
  std::size_t removed = 0;
  for (const auto& s : held) {
    if (s.type != sub.type || s.customer != sub.customer) continue;
    if (index_of(c).remove_exact(c, s) == 0) continue;
    ++removed;
    subscriptions_of_type(s.type).dec();
    if (deps_.on_change) deps_.on_change(c);
    if (deps_.on_room_change) deps_.on_room_change(c, s, false);
    io_.emit(c, "unsubscribed", with_reason(telecomx::to_json(s), "admin"));
  }
  return removed;
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
  if (removed > 0 && deps_.on_change) deps_.on_change(c);
  if (removed > 0 && deps_.on_room_change) deps_.on_room_change(c, sub, false);
  const std::string echo = telecomx::to_json(sub);
  io_.emit(c, "unsubscribed", echo);
  if (ack_id) io_.ack(c, *ack_id, unsubscribed_ack_json(echo, removed));
}

// ---------------------------------------------------------------------------------------------
// Re-authentication as the same employee

namespace {

// One review in progress: the subscriptions that need a parent chain, by customer, and the
// lookups still out.
struct pending_review {
  telecomx::identity next;
  access_review verdict;
  std::map<std::string, std::vector<telecomx::subscription>> by_customer;
  std::size_t waiting = 0;
  std::function<void(access_review)> done;
};

}  // namespace

void subscriptions::review(const client& c, const telecomx::identity& next,
                           std::function<void(access_review)> done,
                           const std::string* only_customer) {
  // The same inputs give the same decisions: a refreshed token keeps everything at once.
  const bool unchanged = !only_customer && c.who && same_access(*c.who, next);
  access_review verdict;
  std::vector<telecomx::subscription> to_decide;
  for (const auto& sub : index_of(c).subscriptions_of(c)) {
    if (unchanged || (only_customer && sub.customer != *only_customer))
      verdict.kept.push_back(sub);
    else
      to_decide.push_back(sub);
  }
  judge(next, std::move(verdict), to_decide, c.executor, std::move(done));
}

void subscriptions::judge(const telecomx::identity& who,
                          const std::vector<telecomx::subscription>& subs,
                          boost::asio::any_io_executor executor,
                          std::function<void(access_review)> done) {
  judge(who, {}, subs, std::move(executor), std::move(done));
}

void subscriptions::judge(const telecomx::identity& who, access_review verdict,
                          const std::vector<telecomx::subscription>& subs,
                          boost::asio::any_io_executor executor,
                          std::function<void(access_review)> done) {
  auto p = std::make_shared<pending_review>();
  p->next = who;
  p->verdict = std::move(verdict);
  p->done = std::move(done);
  for (const auto& sub : subs) {
    if (auth::needs_parent_chain(who, sub))
      p->by_customer[sub.customer].push_back(sub);
    else if (allowed(who, sub, {}))
      p->verdict.kept.push_back(sub);
  }
  if (p->by_customer.empty()) return p->done(std::move(p->verdict));
  p->waiting = p->by_customer.size();
  for (const auto& [customer, held] : p->by_customer) {
    deps_.directory->parent_chain(customer, executor, [p, customer](auth::chain_result chain) {
      for (const auto& sub : p->by_customer[customer]) {
        if (!chain.ok)
          p->verdict.unavailable.push_back(sub);
        else if (allowed(p->next, sub, chain.parents))
          p->verdict.kept.push_back(sub);
      }
      if (--p->waiting == 0) p->done(std::move(p->verdict));
    });
  }
}

void subscriptions::restore(client& c, const std::vector<telecomx::subscription>& kept) {
  for (const auto& sub : kept) {
    if (index_of(c).subscriptions_of(c).size() >= deps_.max_per_socket) break;
    if (index_of(c).add(c, sub)) subscriptions_of_type(sub.type).inc();
  }
}

void subscriptions::apply(client& c, const access_review& r) {
  // A copy: removing changes the list.
  const std::vector<telecomx::subscription> held = index_of(c).subscriptions_of(c);
  for (const auto& sub : held) {
    if (holds(r.kept, sub)) continue;
    if (holds(r.unavailable, sub)) {
      remove_with_reason(c, sub, "unavailable");
      continue;
    }
    // Subscribed while the review ran: decided now, and dropped when that needs the directory.
    const bool reviewed_now = !auth::needs_parent_chain(*c.who, sub);
    if (reviewed_now && allowed(*c.who, sub, {})) continue;
    remove_with_reason(c, sub, "access_changed");
  }
}

void subscriptions::remove_with_reason(client& c, const telecomx::subscription& sub,
                                       std::string_view reason) {
  if (index_of(c).remove_exact(c, sub) == 0) return;
  subscriptions_of_type(sub.type).dec();
  if (deps_.on_change) deps_.on_change(c);
  if (deps_.on_room_change) deps_.on_room_change(c, sub, false);
  metrics::subscriptions_removed
      .at(static_cast<std::size_t>(reason == "unavailable" ? metrics::removal_reason::unavailable
                                                           : metrics::removal_reason::access_changed))
      .inc();
  io_.emit(c, "unsubscribed", with_reason(telecomx::to_json(sub), reason));
}

}  // namespace txrt::telecomx
