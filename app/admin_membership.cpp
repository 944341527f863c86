// The Admin UI's join / leave across the cluster (admin_hub.hpp): the asking node publishes the
// command with an id and waits for the node that holds the socket; every node answers.
#include "app/admin_hub.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "app/admin_metrics.hpp"
#include "app/client.hpp"
#include "app/employee_index.hpp"
#include "bridge/bus.hpp"
#include "protocol/log_text.hpp"

namespace txrt::telecomx {

namespace net = boost::asio;

// A join / leave of this node's UI, waiting for the node that holds the socket. Bus loop only.
struct admin_hub::pending_command {
  admin_command command;
  std::size_t expected = 1;
  std::size_t received = 0;
  std::unique_ptr<net::steady_timer> timer;
};

void admin_hub::request_membership(admin_command c) {
  net::post(deps_.loops->loop(0), [this, c = std::move(c)]() mutable {
    c.id = deps_.server_id + "#c" + std::to_string(next_command_++);
    const std::string id = c.id;
    auto p = std::make_shared<pending_command>();
    // The nodes whose stats came lately: in a node's first stats interval, one it has not heard
    // yet may hold the socket and still carry the command out after every node it knows has
    // answered not_found (counted so). The same bound as all_sockets' lists.
    p->expected = nodes_seen_lately();
    p->timer = std::make_unique<net::steady_timer>(deps_.loops->loop(0), deps_.list_timeout);
    p->timer->async_wait([this, id](boost::system::error_code ec) {
      if (!ec) finish_command(id, "not_found");
    });
    const std::string message = admin_command_message(c);
    p->command = std::move(c);
    commands_.emplace(id, std::move(p));
    deps_.bus->publish(channel_, message);
  });
}

// join / leave from any node's UI: looked for on every loop; the loop that holds the socket
// carries it out; the outcome ("done", "not_found", "invalid", "disabled" or subscribe's
// refusal code) goes back to the asking node once every loop has looked.
void admin_hub::carry_out_membership(const admin_command& c) {
  if (c.id.empty() || c.filter.empty()) return;
  struct gather {
    std::size_t waiting;
    std::string outcome;  // "" = not found yet
  };
  auto g = std::make_shared<gather>(gather{deps_.loops->size(), {}});
  auto command = std::make_shared<const admin_command>(c);
  auto room = std::make_shared<const std::optional<subscription>>(parse_room_key(c.room));
  auto& bus_loop = deps_.loops->loop(0);
  // On the bus loop, once per loop.
  auto report = [this, g, command](std::string_view outcome) {
    if (outcome != "not_found" && g->outcome.empty()) g->outcome = std::string(outcome);
    if (--g->waiting > 0) return;
    deps_.bus->publish(channel_,
                       admin_result_message(command->id, deps_.server_id,
                                            g->outcome.empty() ? "not_found" : g->outcome));
  };
  deps_.loops->post_to_each([this, command, room, report, &bus_loop](std::size_t i) {
    auto back = [report, &bus_loop](std::string_view outcome) {
      net::post(bus_loop, [report, outcome = std::string(outcome)] { report(outcome); });
    };
    client* target = nullptr;
    for (client* c : deps_.employees[i]->all())
      if (c->socket_id == command->filter) target = c;
    if (!target) return back("not_found");
    if (!deps_.write_enabled) return back("disabled");
    if (command->nsp != "/" || !*room || !rooms_.join) return back("invalid");
    if (command->kind == admin_command_kind::leave) {
      rooms_.leave(*target, **room);
      return back("done");
    }
    rooms_.join(*target, **room,
                [back](std::string_view code) { back(code.empty() ? "done" : code); });
  });
}

void admin_hub::collect_result(const admin_bus_message& m) {
  auto it = commands_.find(m.name);
  if (it == commands_.end()) return;  // another node's command, or one already decided
  if (m.body != "not_found") return finish_command(m.name, m.body);
  if (++it->second->received >= it->second->expected) finish_command(m.name, "not_found");
}

void admin_hub::finish_command(const std::string& id, std::string_view outcome) {
  auto it = commands_.find(id);
  if (it == commands_.end()) return;
  auto p = std::move(it->second);
  commands_.erase(it);
  p->timer->cancel();
  using result = metrics::admin_command_result;
  const result r = outcome == "done"        ? result::done
                   : outcome == "not_found" ? result::not_found
                   : outcome == "gone"      ? result::not_found
                   : outcome == "disabled"  ? result::disabled
                   : outcome == "invalid"   ? result::invalid
                                            : result::refused;
  const auto& c = p->command;
  metrics::count_admin_command(static_cast<std::size_t>(c.kind), r);
  const auto level = r == result::done ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(level, "admin ui: {} by {} of {} on socket {}: {}", to_string(c.kind),
              protocol::log_text(c.by), protocol::log_text(c.room), protocol::log_text(c.filter),
              protocol::log_text(outcome));
}

}  // namespace txrt::telecomx
