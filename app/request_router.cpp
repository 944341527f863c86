#include "app/request_router.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "auth/policy.hpp"
#include "protocol/json.hpp"
#include "server/engine/types.hpp"
#include "app/app_metrics.hpp"
#include "server/server_metrics.hpp"
#include "app/client.hpp"
#include "app/employee_index.hpp"
#include "app/replies.hpp"
#include "server/util/random_id.hpp"

namespace txrt::telecomx {

namespace json = protocol::json;
namespace net = boost::asio;

namespace {

constexpr std::size_t max_name = 128;  // request names, ids

struct target {
  std::string employee;
  std::string instance_id;  // empty: every instance
};

std::optional<target> parse_target(simdjson::dom::element e) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj)) return std::nullopt;
  std::string_view employee, instance;
  if (obj["employee"].get_string().get(employee) || employee.empty() || employee.size() > max_name)
    return std::nullopt;
  target t{std::string(employee), {}};
  auto inst = obj["instanceId"];
  if (!inst.error() && !inst.is_null()) {
    if (inst.get_string().get(instance) || instance.size() > max_name) return std::nullopt;
    t.instance_id = std::string(instance);
  }
  return t;
}

void append_target(std::string& out, const target& t) {
  out += "{\"employee\":";
  json::append_string(t.employee, out);
  out += ",\"instanceId\":";
  if (t.instance_id.empty())
    out += "null";
  else
    json::append_string(t.instance_id, out);
  out += '}';
}

std::string_view raw_member(const std::vector<json::member_span>& members, std::string_view key) {
  for (const auto& m : members)
    if (m.key == key) return m.value;
  return {};
}

// The client's `request` / `reply` payload.
struct parsed_message {
  std::string error;
  target to;
  std::string request;
  std::string request_id;          // reply only
  std::string data;                // raw JSON, "null" when absent
  std::optional<target> reply_to;  // request only
};

parsed_message parse_message(std::string_view args, bool is_reply) {
  parsed_message m;
  auto first = json::first_element(args);
  auto doc = json::parse(first);
  simdjson::dom::object obj;
  if (first.empty() || doc.error() || doc.value().get_object().get(obj)) {
    m.error = "payload must be an object";
    return m;
  }
  auto to_field = obj["to"];
  auto to = to_field.error() ? std::nullopt : parse_target(to_field.value_unsafe());
  if (!to) {
    m.error = "to must be {employee: string, instanceId?: string}";
    return m;
  }
  m.to = std::move(*to);
  std::string_view request;
  if (obj["request"].get_string().get(request) || request.empty() || request.size() > max_name) {
    m.error = "request must be a non-empty string";
    return m;
  }
  m.request = std::string(request);
  if (is_reply) {
    std::string_view id;
    if (obj["requestId"].get_string().get(id) || id.empty() || id.size() > max_name) {
      m.error = "requestId must be a non-empty string";
      return m;
    }
    m.request_id = std::string(id);
  } else {
    auto reply_to = obj["replyTo"];
    if (!reply_to.error() && !reply_to.is_null()) {
      auto t = parse_target(reply_to.value_unsafe());
      if (!t) {
        m.error = "replyTo must be {employee: string, instanceId?: string}";
        return m;
      }
      m.reply_to = std::move(*t);
    }
  }
  auto members = json::object_members(first);
  auto data = raw_member(members, "data");
  m.data = data.empty() ? "null" : std::string(data);
  return m;
}

constexpr std::string_view too_many_messages = "too many requests and replies on this connection";

bool is_zero_tier(std::string_view request) { return request.starts_with("CommunicatorZeroTier"); }

bool needs_chain(const telecomx::identity& who, const std::string& customer) {
  return who.level == telecomx::access_level::reseller && who.customer != customer;
}

// Answers the client's ack on its own loop, if it is still there.
// Every request and reply ends here once, with its result counted (txrt_requests_total).
struct ack_target {
  std::weak_ptr<sio::socket> socket;
  std::optional<std::uint64_t> ack_id;
  metrics::request_kind kind;

  void count(std::string_view result) const {
    const auto i = metrics::index_of(metrics::request_results, result);
    if (i < metrics::request_results.size())
      metrics::requests.at(static_cast<std::size_t>(kind), i).inc();
  }
  void answer(std::string json) const {
    auto s = socket.lock();
    if (!s || !ack_id) return;
    net::post(s->executor(), [weak = socket, id = *ack_id, json = std::move(json)] {
      if (auto s = weak.lock(); s && s->connected()) s->ack(id, json);
    });
  }
  void fail(std::string_view code, std::string_view message) const {
    count(code);
    answer(failure_json(code, message, true));
  }
  void succeed(const std::string& request_id) const {
    count("success");
    std::string out = "{\"success\":true,\"requestId\":";
    json::append_string(request_id, out);
    out += '}';
    answer(std::move(out));
  }
};

std::string sender_json(const telecomx::identity& who) {
  std::string out = "{\"employee\":";
  json::append_string(who.employee, out);
  out += ",\"customer\":";
  json::append_string(who.customer, out);
  out += ",\"accessLevel\":";
  json::append_string(telecomx::to_string(who.level), out);
  out += ",\"organizationResellers\":[";
  for (std::size_t i = 0; i < who.organization_resellers.size(); ++i) {
    if (i) out += ',';
    json::append_string(who.organization_resellers[i], out);
  }
  out += "]}";
  return out;
}

std::optional<telecomx::identity> parse_sender(simdjson::dom::element e) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj)) return std::nullopt;
  std::string_view employee, customer, level;
  if (obj["employee"].get_string().get(employee) || obj["customer"].get_string().get(customer) ||
      obj["accessLevel"].get_string().get(level))
    return std::nullopt;
  auto parsed_level = telecomx::parse_access_level(level);
  if (!parsed_level) return std::nullopt;
  telecomx::identity who{std::string(employee), std::string(customer), *parsed_level, {}, {}};
  simdjson::dom::array resellers;
  if (!obj["organizationResellers"].get_array().get(resellers))
    for (auto r : resellers) {
      std::string_view id;
      if (!r.get_string().get(id)) who.organization_resellers.emplace_back(id);
    }
  return who;
}

}  // namespace

request_router::request_router(server::loop_pool& loops, std::string prefix, bridge::bus& bus,
                               bridge::kv_store& store,
                               std::shared_ptr<auth::customer_directory> directory,
                               std::vector<employee_index*> employees,
                               std::chrono::seconds request_ttl, limits::rate_limit per_socket)
    : loops_(loops),
      prefix_(std::move(prefix)),
      bus_(bus),
      store_(store),
      directory_(std::move(directory)),
      employees_(std::move(employees)),
      request_ttl_(request_ttl),
      per_socket_(per_socket) {}

bool request_router::is_employee_channel(std::string_view channel) const noexcept {
  return channel.size() > prefix_.size() + 9 && channel.starts_with(prefix_) &&
         channel.substr(prefix_.size()).starts_with("employee:");
}

// ---------------------------------------------------------------------------------------------
// Sender's node

bool request_router::admit(client& c) const {
  // Checked first, before any parsing or store round trip: a flood costs one clock read each.
  if (c.requests.try_take(per_socket_, limits::clock::now())) return true;
  metrics::count_limited(metrics::limit::requests_per_socket);
  return false;
}

void request_router::on_request(client& c, const sio::event& e) {
  ack_target ack{c.socket->weak_from_this(), e.ack_id, metrics::request_kind::request};
  if (!admit(c)) return ack.fail("rate_limited", too_many_messages);
  if (!c.who) return ack.fail("not_authenticated", "authenticate first");
  auto m = parse_message(e.args, false);
  if (!m.error.empty()) return ack.fail("invalid", m.error);
  if (is_zero_tier(m.request) && m.to.employee != c.who->employee)
    return ack.fail("access_denied", "CommunicatorZeroTier requests only between one employee's clients");

  const telecomx::identity sender = *c.who;
  const target from{c.who->employee, c.instance_id};
  // The recipient is read before `m` moves into the callback (argument order is unspecified).
  std::string recipient = m.to.employee;
  store_.hget(prefix_ + "employee:customer", std::move(recipient),
              [this, ack, sender, from, m = std::move(m)](bridge::kv_value v) {
    if (!v.ok) return ack.fail("unavailable", "the shared store is unreachable");
    if (!v.value) return ack.fail("offline", "no instance of the recipient is connected");
    const std::string customer = *v.value;
    spdlog::debug("request: recipient {} has customer {}", m.to.employee, customer);
    auto proceed = [this, ack, sender, from, m](const std::vector<std::string>& chain,
                                                const std::string& customer) {
      if (!auth::may_access_customer(sender, customer, chain))
        return ack.fail("access_denied", "no access to the recipient's customer");
      const std::string request_id = util::random_id(18);
      // The record that lets the recipient reply, from any node, for a while.
      std::string record = "{\"employee\":";
      json::append_string(m.to.employee, record);
      record += ",\"request\":";
      json::append_string(m.request, record);
      record += ",\"replyTo\":";
      if (m.reply_to)
        append_target(record, *m.reply_to);
      else
        record += "null";
      record += '}';

      std::string envelope = "{\"kind\":\"request\",\"requestId\":";
      json::append_string(request_id, envelope);
      envelope += ",\"request\":";
      json::append_string(m.request, envelope);
      envelope += ",\"from\":";
      append_target(envelope, from);
      envelope += ",\"sender\":" + sender_json(sender) + ",\"to\":";
      append_target(envelope, m.to);
      envelope += ",\"replyTo\":";
      if (m.reply_to)
        append_target(envelope, *m.reply_to);
      else
        envelope += "null";
      envelope += ",\"data\":" + m.data + "}";

      store_.set(prefix_ + "request:" + request_id, std::move(record), request_ttl_,
                 [this, ack, request_id, channel = prefix_ + "employee:" + m.to.employee,
                  envelope = std::move(envelope)](bool ok) mutable {
                   if (!ok) return ack.fail("unavailable", "the shared store is unreachable");
                   bus_.publish_counted(std::move(channel), std::move(envelope),
                                        [ack, request_id](long receivers) {
                                          spdlog::debug("request {}: {} receivers", request_id, receivers);
                                          if (receivers < 0)
                                            return ack.fail("unavailable", "the bus is unreachable");
                                          if (receivers == 0)
                                            return ack.fail("offline",
                                                            "no instance of the recipient is connected");
                                          ack.succeed(request_id);
                                        });
                 });
    };
    if (!needs_chain(sender, customer)) return proceed({}, customer);
    directory_->parent_chain(customer, loops_.loop(0).get_executor(),
                             [ack, proceed, customer](auth::chain_result chain) {
                               if (!chain.ok)
                                 return ack.fail("unavailable", "customer directory unavailable");
                               proceed(chain.parents, customer);
                             });
  });
}

void request_router::on_reply(client& c, const sio::event& e) {
  ack_target ack{c.socket->weak_from_this(), e.ack_id, metrics::request_kind::reply};
  if (!admit(c)) return ack.fail("rate_limited", too_many_messages);
  if (!c.who) return ack.fail("not_authenticated", "authenticate first");
  auto m = parse_message(e.args, true);
  if (!m.error.empty()) return ack.fail("invalid", m.error);
  const target from{c.who->employee, c.instance_id};
  std::string record_key = prefix_ + "request:" + m.request_id;  // before `m` moves
  store_.get(std::move(record_key), [this, ack, from, m = std::move(m)](
                                        bridge::kv_value v) mutable {
    if (!v.ok) return ack.fail("unavailable", "the shared store is unreachable");
    if (!v.value) return ack.fail("unknown_request", "no such request (or it expired)");
    auto doc = json::parse(*v.value);
    simdjson::dom::object record;
    std::string_view employee, request;
    if (doc.error() || doc.value().get_object().get(record) ||
        record["employee"].get_string().get(employee) ||
        record["request"].get_string().get(request))
      return ack.fail("unknown_request", "no such request");
    // Only the employee the request was delivered to may answer it...
    if (employee != from.employee) return ack.fail("unknown_request", "no such request");
    if (request != m.request) return ack.fail("invalid", "request does not match the request");
    // ... and only towards the request's replyTo.
    auto reply_to_field = record["replyTo"];
    if (reply_to_field.error() || reply_to_field.is_null())
      return ack.fail("access_denied", "the request asked for no reply");
    auto reply_to = parse_target(reply_to_field.value_unsafe());
    if (!reply_to || reply_to->employee != m.to.employee)
      return ack.fail("access_denied", "a reply goes only to the request's replyTo");
    if (!reply_to->instance_id.empty()) {
      if (!m.to.instance_id.empty() && m.to.instance_id != reply_to->instance_id)
        return ack.fail("access_denied", "a reply goes only to the request's replyTo");
      m.to.instance_id = reply_to->instance_id;
    }
    std::string envelope = "{\"kind\":\"reply\",\"requestId\":";
    json::append_string(m.request_id, envelope);
    envelope += ",\"request\":";
    json::append_string(m.request, envelope);
    envelope += ",\"from\":";
    append_target(envelope, from);
    envelope += ",\"to\":";
    append_target(envelope, m.to);
    envelope += ",\"data\":" + m.data + "}";
    bus_.publish_counted(prefix_ + "employee:" + m.to.employee, std::move(envelope),
                         [ack, id = m.request_id](long receivers) {
                           if (receivers < 0) return ack.fail("unavailable", "the bus is unreachable");
                           if (receivers == 0)
                             return ack.fail("offline", "no instance of the recipient is connected");
                           ack.succeed(id);
                         });
  });
}

// ---------------------------------------------------------------------------------------------
// This node's employees

void request_router::employee_online(const telecomx::identity& who) {
  net::post(loops_.loop(0), [this, employee = who.employee, customer = who.customer] {
    auto& r = online_[employee];
    if (r.sockets++ == 0) bus_.subscribe(prefix_ + "employee:" + employee);
    r.customer = customer;
    store_.hset(prefix_ + "employee:customer", employee, customer);
  });
}

void request_router::employee_offline(const std::string& employee) {
  net::post(loops_.loop(0), [this, employee] {
    auto it = online_.find(employee);
    if (it == online_.end()) return;
    if (--it->second.sockets > 0) return;
    online_.erase(it);
    bus_.unsubscribe(prefix_ + "employee:" + employee);
  });
}

// ---------------------------------------------------------------------------------------------
// Delivering node

void request_router::deliver(const std::string& employee, const std::string& instance_id,
                             std::string frame) {
  engine::outgoing packet{engine::make_shared_bytes(std::move(frame)), false};
  for (std::size_t i = 0; i < employees_.size(); ++i) {
    net::post(loops_.loop(i), [this, i, employee, instance_id, packet] {
      for (client* c : employees_[i]->clients_of(employee)) {
        if (!c->socket) continue;
        if (!instance_id.empty() && c->instance_id != instance_id) continue;
        c->socket->send_encoded(packet);
      }
    });
  }
}

void request_router::on_employee_message(std::string_view channel, std::string_view payload) {
  const std::string employee(channel.substr(prefix_.size() + 9));
  auto doc = json::parse(payload);
  simdjson::dom::object obj;
  std::string_view kind;
  if (doc.error() || doc.value().get_object().get(obj) || obj["kind"].get_string().get(kind)) {
    spdlog::warn("dropped a malformed message on {}", channel);
    return;
  }
  auto to_field = obj["to"];
  auto to = to_field.error() ? std::nullopt : parse_target(to_field.value_unsafe());
  if (!to || to->employee != employee) return;
  const auto members = json::object_members(payload);
  auto raw = [&](std::string_view key) {
    auto v = raw_member(members, key);
    return v.empty() ? std::string("null") : std::string(v);
  };

  if (kind == "reply") {
    std::string frame = "42[\"REPLY\",{\"from\":" + raw("from") + ",\"to\":" + raw("to") +
                        ",\"request\":" + raw("request") + ",\"requestId\":" + raw("requestId") +
                        ",\"data\":" + raw("data") + "}]";
    return deliver(employee, to->instance_id, std::move(frame));
  }
  if (kind != "request") return;

  // The delivering node checks again, with its own knowledge of the recipient.
  auto it = online_.find(employee);
  if (it == online_.end()) return;
  const std::string customer = it->second.customer;
  auto sender = obj["sender"].error() ? std::nullopt : parse_sender(obj["sender"].value_unsafe());
  std::string_view request;
  if (!sender || obj["request"].get_string().get(request)) return;
  if (is_zero_tier(request) && sender->employee != employee) return;

  std::string frame = "42[\"REQUEST\",{\"from\":" + raw("from") + ",\"request\":" +
                      raw("request") + ",\"requestId\":" + raw("requestId") + ",\"data\":" +
                      raw("data") + ",\"replyTo\":" + raw("replyTo") + "}]";
  auto finish = [this, employee, instance = to->instance_id, frame = std::move(frame),
                 who = *sender, customer](const std::vector<std::string>& chain) mutable {
    if (!auth::may_access_customer(who, customer, chain)) {
      spdlog::warn("request for {} refused on delivery: sender {} has no access", employee,
                   who.employee);
      return;
    }
    deliver(employee, instance, std::move(frame));
  };
  if (!needs_chain(*sender, customer)) return finish({});
  directory_->parent_chain(customer, loops_.loop(0).get_executor(),
                           [finish](auth::chain_result chain) mutable {
                             if (chain.ok) finish(chain.parents);
                           });
}

}  // namespace txrt::telecomx
