#include "app/admin_hub.hpp"

#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "app/admin_sockets.hpp"
#include "app/app_metrics.hpp"
#include "app/client.hpp"
#include "app/employee_index.hpp"
#include "app/replies.hpp"
#include "bridge/bus.hpp"
#include "bridge/channels.hpp"
#include "protocol/iso8601.hpp"
#include "protocol/json.hpp"
#include "protocol/log_text.hpp"
#include "server/server_metrics.hpp"
#include "server/socketio/socket.hpp"

namespace txrt::telecomx {

namespace net = boost::asio;
using std::chrono::steady_clock;

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             steady_clock::now().time_since_epoch())
      .count();
}

// The UI's timestamps (it reads them with `new Date(...)`).
std::string now_json() {
  std::string out;
  protocol::json::append_string(protocol::format_iso8601(std::chrono::system_clock::now(),
                                                         protocol::iso8601_precision::milliseconds),
                                out);
  return out;
}

std::string json_string(std::string_view s) {
  std::string out;
  protocol::json::append_string(s, out);
  return out;
}

std::string host_name() {
  char host[256] = {};
  return ::gethostname(host, sizeof host - 1) == 0 ? host : "txrt";
}

}  // namespace

// A list request of this node's, waiting for every node's answer. Bus loop only.
struct admin_hub::pending_list {
  std::shared_ptr<sio::socket> asker;
  std::string body;
  std::size_t expected = 1;
  std::size_t received = 0;
  std::unique_ptr<net::steady_timer> timer;
};

admin_hub::admin_hub(admin_hub_deps deps)
    : deps_(std::move(deps)),
      channel_(bridge::admin_channel(deps_.prefix)),
      admins_(deps_.loops->size()),
      stats_timer_(deps_.loops->loop(0)),
      last_closed_(metrics::close_reasons.size(), 0) {}

admin_hub::~admin_hub() = default;

void admin_hub::start() {
  publish_stats();
  schedule_stats();
}

void admin_hub::schedule_stats() {
  stats_timer_.expires_after(deps_.stats_interval);
  stats_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    publish_stats();
    schedule_stats();
  });
}

// One bucket of the UI's NamespaceEvent (dist/typed-events.d.ts): {timestamp, type, subType?,
// count}, the timestamp in milliseconds truncated to the second, as the reference's EventBuffer.
namespace {
void add_bucket(std::string& out, std::int64_t second_ms, std::string_view type,
                std::string_view sub_type, std::uint64_t count) {
  if (count == 0) return;
  if (out.size() > 1) out += ',';
  json_object o;
  o.raw("timestamp", std::to_string(second_ms)).string("type", type);
  if (!sub_type.empty()) o.string("subType", sub_type);
  o.raw("count", std::to_string(count));
  out += std::move(o).take();
}
}  // namespace

// What the counters rose by since the last stats; on the bus loop (the only reader of last_*).
// The reference counts packetsIn / bytesIn / bytesOut too; txrt has no counter for them and
// adds none on the hot path, so they are not reported.
std::string admin_hub::aggregated_events() {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::int64_t second_ms = now_ms - now_ms % 1000;
  auto rise = [](std::uint64_t now, std::uint64_t& last) {
    const std::uint64_t d = now >= last ? now - last : 0;
    last = now;
    return d;
  };
  std::string out = "[";
  add_bucket(out, second_ms, "rawConnection", "",
             rise(metrics::connections_opened.get().value(), last_opened_));
  for (std::size_t r = 0; r < metrics::close_reasons.size(); ++r)
    add_bucket(out, second_ms, "rawDisconnection", metrics::close_reasons[r],
               rise(metrics::connections_closed.at(r).value(), last_closed_[r]));
  add_bucket(out, second_ms, "packetsOut", "",
             rise(metrics::deliveries.get().value(), last_deliveries_));
  return out + "]";
}

std::string admin_hub::stats_json(std::string_view aggregated) const {
  const auto clients = std::max<std::int64_t>(0, client_count_.load());
  const auto admins = admin_count_.load();
  const double uptime = std::chrono::duration<double>(steady_clock::now() - started_).count();
  std::string namespaces =
      "[" +
      std::move(json_object().string("name", "/").raw("socketsCount", std::to_string(clients)))
          .take() +
      "," +
      std::move(json_object().string("name", "/admin").raw("socketsCount", std::to_string(admins)))
          .take() +
      "]";
  return std::move(json_object()
                       .string("serverId", deps_.server_id)
                       .string("hostname", host_name())
                       .raw("pid", std::to_string(::getpid()))
                       .raw("uptime", std::to_string(uptime))
                       .raw("clientsCount", std::to_string(clients + admins))
                       .raw("pollingClientsCount", "0")
                       .raw("aggregatedEvents", aggregated)
                       .raw("namespaces", namespaces))
      .take();
}

void admin_hub::publish_stats() {
  deps_.bus->publish(channel_,
                     admin_stats_message(stats_json(aggregated_events()), admin_count_.load()));
}

bool admin_hub::watched() const noexcept {
  return admin_count_.load() > 0 || watched_until_ms_.load() > steady_ms();
}

void admin_hub::on_bus_message(std::string_view payload) {
  auto m = parse_admin_bus_message(payload);
  switch (m.kind) {
    case admin_bus_kind::stats:
      if (!m.node.empty()) nodes_[m.node] = steady_clock::now();
      if (m.admins > 0) watched_until_ms_ = steady_ms() + 3 * deps_.stats_interval.count();
      return broadcast("server_stats", std::move(m.body));
    case admin_bus_kind::event:
      return broadcast(m.name, std::move(m.body));
    case admin_bus_kind::list:
      return answer_list(m.name);
    case admin_bus_kind::sockets:
      return collect_list(m);
    case admin_bus_kind::command:
      return carry_out(m.command);
    case admin_bus_kind::result:
      return collect_result(m);
    case admin_bus_kind::unknown:
      return;
  }
}

// Every admin socket of this node, on its loop. Admin traffic is small: one copy per loop.
void admin_hub::broadcast(std::string_view event, std::string args) {
  if (admin_count_.load() == 0) return;
  auto shared = std::make_shared<const std::pair<std::string, std::string>>(std::string(event),
                                                                            std::move(args));
  deps_.loops->post_to_each([this, shared](std::size_t i) {
    for (const auto& s : admins_[i]) s->emit(shared->first, shared->second);
  });
}

void admin_hub::publish_event(std::string_view event, std::string args) {
  if (!watched()) return;
  deps_.bus->publish(channel_, admin_event_message(event, args));
}

void admin_hub::add_admin(std::size_t loop, std::shared_ptr<sio::socket> s) {
  admins_[loop].push_back(std::move(s));
  ++admin_count_;
  // The newcomer sees this node at once, the others at their next stats.
  net::post(deps_.loops->loop(0), [this] { publish_stats(); });
}

void admin_hub::remove_admin(std::size_t loop, const sio::socket& s) {
  auto& list = admins_[loop];
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.get() == &s; });
  if (it == list.end()) return;
  list.erase(it);
  --admin_count_;
}

std::size_t admin_hub::nodes_seen_lately() {
  const auto horizon = steady_clock::now() - 3 * deps_.stats_interval;
  std::erase_if(nodes_, [&](const auto& kv) { return kv.second < horizon; });
  return std::max<std::size_t>(1, nodes_.size());
}

void admin_hub::request_sockets(std::shared_ptr<sio::socket> s) {
  net::post(deps_.loops->loop(0), [this, s = std::move(s)]() mutable {
    const std::string id = deps_.server_id + "#" + std::to_string(next_list_++);
    auto p = std::make_shared<pending_list>();
    p->asker = std::move(s);
    p->expected = nodes_seen_lately();
    p->timer = std::make_unique<net::steady_timer>(deps_.loops->loop(0), deps_.list_timeout);
    p->timer->async_wait([this, id](boost::system::error_code ec) {
      if (!ec) finish_list(id);
    });
    lists_.emplace(id, std::move(p));
    deps_.bus->publish(channel_, admin_list_message(id));
  });
}

// Describes this node's authenticated sockets, loop by loop, then publishes the answer.
void admin_hub::answer_list(const std::string& request_id) {
  struct gather {
    std::size_t waiting;
    std::string body;
  };
  auto g = std::make_shared<gather>(gather{deps_.loops->size(), {}});
  auto& bus_loop = deps_.loops->loop(0);
  deps_.loops->post_to_each([this, g, request_id, &bus_loop](std::size_t i) {
    std::string part;
    for (const client* c : deps_.employees[i]->all()) {
      if (!part.empty()) part += ',';
      part += admin_socket_json(*c, *deps_.indexes[i], deps_.server_id);
    }
    net::post(bus_loop, [this, g, request_id, part = std::move(part)] {
      if (!part.empty()) {
        if (!g->body.empty()) g->body += ',';
        g->body += part;
      }
      if (--g->waiting > 0) return;
      deps_.bus->publish(channel_, admin_sockets_message(request_id, deps_.server_id, g->body));
    });
  });
}

void admin_hub::collect_list(const admin_bus_message& m) {
  auto it = lists_.find(m.name);
  if (it == lists_.end()) return;  // another node's request, or one already answered
  auto& p = *it->second;
  if (!m.body.empty()) {
    if (!p.body.empty()) p.body += ',';
    p.body += m.body;
  }
  if (++p.received >= p.expected) finish_list(m.name);
}

void admin_hub::finish_list(const std::string& request_id) {
  auto it = lists_.find(request_id);
  if (it == lists_.end()) return;
  auto p = std::move(it->second);
  lists_.erase(it);
  p->timer->cancel();
  auto asker = std::move(p->asker);
  net::post(asker->executor(),
            [asker, body = "[" + std::move(p->body) + "]"] { asker->emit("all_sockets", body); });
}

void admin_hub::publish_command(const admin_command& c) {
  deps_.bus->publish(channel_, admin_command_message(c));
}

// A command from any node's UI, on this node's sockets of the main namespace.
void admin_hub::carry_out(const admin_command& c) {
  if (c.kind == admin_command_kind::join || c.kind == admin_command_kind::leave)
    return carry_out_membership(c);
  if (c.nsp != "/") return;
  const bool disconnect = c.kind == admin_command_kind::disconnect;
  if (disconnect ? !deps_.disconnect_enabled
                 : (c.kind != admin_command_kind::emit || !deps_.write_enabled))
    return;
  auto command = std::make_shared<const admin_command>(c);
  deps_.loops->post_to_each([this, command](std::size_t i) {
    std::size_t picked = 0;
    // A copy: a disconnect takes the client out of the index.
    for (client* c : deps_.employees[i]->all()) {
      if (!c->socket || !filter_picks(command->filter, *c, *deps_.indexes[i])) continue;
      ++picked;
      if (command->kind == admin_command_kind::disconnect)
        c->socket->disconnect();
      else
        c->socket->emit(command->event, command->args);
    }
    if (picked > 0)
      spdlog::info("admin ui: {} by {} on {} socket(s)", to_string(command->kind),
                   protocol::log_text(command->by), picked);
  });
}

void admin_hub::on_connected(const client& c) {
  ++client_count_;
  if (deps_.next) deps_.next->on_connected(c);
}

void admin_hub::on_authenticated(const client& c) {
  if (deps_.next) deps_.next->on_authenticated(c);
  if (!watched()) return;
  publish_event("socket_connected",
                admin_socket_json(c, *deps_.indexes[c.loop], deps_.server_id) + "," + now_json());
}

void admin_hub::on_disconnected(const client& c, std::string_view reason) {
  --client_count_;
  if (deps_.next) deps_.next->on_disconnected(c, reason);
  if (!c.who || !watched()) return;
  publish_event("socket_disconnected", json_string("/") + "," + json_string(c.socket_id) + "," +
                                           json_string(reason) + "," + now_json());
}

void admin_hub::on_room_change(const client& c, const subscription& s, bool joined) {
  if (!c.who || !watched()) return;
  const std::string key = room_key(s);
  std::size_t same = 0;
  for (const auto& held : deps_.indexes[c.loop]->subscriptions_of(c))
    if (room_key(held) == key) ++same;
  if (joined ? same != 1 : same != 0) return;
  publish_event(joined ? "room_joined" : "room_left", json_string("/") + "," + json_string(key) +
                                                          "," + json_string(c.socket_id) + "," +
                                                          now_json());
}

}  // namespace txrt::telecomx
