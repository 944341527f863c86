#include "protocol/telecomx/admin_messages.hpp"

#include <array>

#include "protocol/json.hpp"

namespace txrt::telecomx {

namespace {

namespace json = protocol::json;
using simdjson::dom::element;

constexpr std::array<std::string_view, 4> command_names{"_disconnect", "join", "leave", "emit"};

// Copied: the views point into the thread's parser, which the next parse reuses.
std::optional<std::string> string_of(element e) {
  std::string_view text;
  if (e.get_string().get(text)) return std::nullopt;
  return std::string(text);
}

// The elements of an array, minified, without the brackets.
std::string elements_of(simdjson::dom::array a, std::size_t from = 0) {
  std::string out;
  std::size_t i = 0;
  for (element e : a) {
    if (i++ < from) continue;
    if (!out.empty()) out += ',';
    out += simdjson::minify(e);
  }
  return out;
}

void add_string(std::string& out, std::string_view key, std::string_view value) {
  if (out.size() > 1) out += ',';
  json::append_string(key, out);
  out += ':';
  json::append_string(value, out);
}

void add_raw(std::string& out, std::string_view key, std::string_view value) {
  if (out.size() > 1) out += ',';
  json::append_string(key, out);
  out += ':';
  out += value;
}

std::optional<admin_command> command_from(admin_command_kind kind, simdjson::dom::array a) {
  admin_command c;
  c.kind = kind;
  const std::size_t n = a.size();
  auto at = [&](std::size_t i) { return a.at(i).value_unsafe(); };
  if (n < 1) return std::nullopt;
  auto nsp = string_of(at(0));
  if (!nsp) return std::nullopt;
  c.nsp = std::move(*nsp);
  // An optional filter: a string, or absent / null / undefined (every socket).
  auto filter_at = [&](std::size_t i) -> bool {
    if (i >= n || at(i).is_null()) return true;
    auto f = string_of(at(i));
    if (!f) return false;
    c.filter = std::move(*f);
    return true;
  };
  switch (kind) {
    case admin_command_kind::disconnect: {
      if (n >= 2 && !at(1).is_null() && at(1).get_bool().get(c.close)) return std::nullopt;
      if (!filter_at(2)) return std::nullopt;
      return c;
    }
    case admin_command_kind::join:
    case admin_command_kind::leave: {
      auto room = n >= 2 ? string_of(at(1)) : std::nullopt;
      if (!room || room->empty()) return std::nullopt;
      c.room = std::move(*room);
      if (!filter_at(2)) return std::nullopt;
      return c;
    }
    case admin_command_kind::emit: {
      if (!filter_at(1)) return std::nullopt;
      auto event = n >= 3 ? string_of(at(2)) : std::nullopt;
      if (!event || event->empty()) return std::nullopt;
      c.event = std::move(*event);
      c.args = elements_of(a, 3);
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<subscription> parse_room_key(std::string_view room) {
  if (room.empty() || room.size() > max_room_key_bytes) return std::nullopt;
  subscription s;
  if (auto type = parse_subscription_type(room)) {
    if (!is_admin_type(*type)) return std::nullopt;  // a customer type needs its customer
    s.type = *type;
    return s;
  }
  // No type name but the ADMIN ones holds a ':', so the first one ends the type.
  const auto colon = room.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto type = parse_subscription_type(room.substr(0, colon));
  const std::string_view customer = room.substr(colon + 1);
  if (!type || is_admin_type(*type) || customer.empty() || customer.size() > max_customer_bytes)
    return std::nullopt;
  s.type = *type;
  s.customer = std::string(customer);
  return s;
}

std::optional<admin_login> parse_admin_login(std::string_view auth) {
  if (auth.size() > max_admin_auth_bytes) return std::nullopt;
  auto doc = json::parse(auth);
  simdjson::dom::object o;
  if (doc.error() || doc.value_unsafe().get_object().get(o)) return std::nullopt;
  admin_login out;
  std::string_view text;
  if (!o["username"].get_string().get(text)) out.username = std::string(text);
  if (!o["password"].get_string().get(text)) out.password = std::string(text);
  if (!o["sessionId"].get_string().get(text)) out.session_id = std::string(text);
  return out;
}

std::string_view to_string(admin_command_kind k) noexcept {
  return command_names[static_cast<std::size_t>(k)];
}

std::optional<admin_command_kind> parse_admin_command_name(std::string_view event) noexcept {
  for (std::size_t i = 0; i < command_names.size(); ++i)
    if (command_names[i] == event) return static_cast<admin_command_kind>(i);
  return std::nullopt;
}

std::optional<admin_command> parse_admin_command(admin_command_kind kind,
                                                 std::string_view event_args,
                                                 std::size_t max_bytes) {
  if (event_args.size() > max_bytes) return std::nullopt;
  std::string array = "[";
  array += event_args;
  array += ']';
  auto doc = json::parse(array);
  simdjson::dom::array a;
  if (doc.error() || doc.value_unsafe().get_array().get(a)) return std::nullopt;
  return command_from(kind, a);
}

admin_bus_message parse_admin_bus_message(std::string_view payload) {
  admin_bus_message m;
  auto doc = json::parse(payload);
  simdjson::dom::object o;
  if (doc.error() || doc.value_unsafe().get_object().get(o)) return m;
  simdjson::dom::object stats;
  if (!o["stats"].get_object().get(stats)) {
    m.kind = admin_bus_kind::stats;
    m.body = simdjson::minify(stats);
    std::string_view node;
    if (!stats["serverId"].get_string().get(node)) m.node = std::string(node);
    std::uint64_t admins = 0;
    if (!o["admins"].get_uint64().get(admins)) m.admins = admins;
    return m;
  }
  std::string_view text;
  simdjson::dom::array args;
  if (!o["emit"].get_string().get(text) && !o["args"].get_array().get(args)) {
    m.kind = admin_bus_kind::event;
    m.name = std::string(text);
    m.body = elements_of(args);
    return m;
  }
  if (!o["list"].get_string().get(text)) {
    m.kind = admin_bus_kind::list;
    m.name = std::string(text);
    return m;
  }
  if (!o["sockets"].get_string().get(text) && !o["list"].get_array().get(args)) {
    m.kind = admin_bus_kind::sockets;
    m.name = std::string(text);
    std::string_view node;
    if (!o["node"].get_string().get(node)) m.node = std::string(node);
    m.body = elements_of(args);
    return m;
  }
  if (!o["result"].get_string().get(text)) {
    m.kind = admin_bus_kind::result;
    m.name = std::string(text);
    std::string_view s;
    if (!o["node"].get_string().get(s)) m.node = std::string(s);
    if (!o["outcome"].get_string().get(s)) m.body = std::string(s);
    return m;
  }
  if (!o["command"].get_string().get(text)) {
    auto kind = parse_admin_command_name(text);
    if (!kind) return m;
    std::string_view s;
    admin_command& c = m.command;
    c.kind = *kind;
    if (o["nsp"].get_string().get(s)) return m;
    c.nsp = std::string(s);
    if (!o["filter"].get_string().get(s)) c.filter = std::string(s);
    if (!o["room"].get_string().get(s)) c.room = std::string(s);
    if (!o["event"].get_string().get(s)) c.event = std::string(s);
    if (!o["by"].get_string().get(s)) c.by = std::string(s);
    if (!o["id"].get_string().get(s)) c.id = std::string(s);
    bool close = false;
    if (!o["close"].get_bool().get(close)) c.close = close;
    if (!o["args"].get_array().get(args)) c.args = elements_of(args);
    m.kind = admin_bus_kind::command;
  }
  return m;
}

std::string admin_stats_message(std::string_view stats_object, std::uint64_t admins) {
  std::string out = "{";
  add_raw(out, "stats", stats_object);
  add_raw(out, "admins", std::to_string(admins));
  return out + '}';
}

std::string admin_event_message(std::string_view event, std::string_view args_elements) {
  std::string out = "{";
  add_string(out, "emit", event);
  add_raw(out, "args", "[" + std::string(args_elements) + "]");
  return out + '}';
}

std::string admin_list_message(std::string_view request_id) {
  std::string out = "{";
  add_string(out, "list", request_id);
  return out + '}';
}

std::string admin_sockets_message(std::string_view request_id, std::string_view node,
                                  std::string_view list_elements) {
  std::string out = "{";
  add_string(out, "sockets", request_id);
  add_string(out, "node", node);
  add_raw(out, "list", "[" + std::string(list_elements) + "]");
  return out + '}';
}

std::string admin_command_message(const admin_command& c) {
  std::string out = "{";
  add_string(out, "command", to_string(c.kind));
  add_string(out, "nsp", c.nsp);
  add_string(out, "filter", c.filter);
  add_string(out, "room", c.room);
  add_raw(out, "close", c.close ? "true" : "false");
  add_string(out, "event", c.event);
  add_raw(out, "args", "[" + c.args + "]");
  add_string(out, "by", c.by);
  if (!c.id.empty()) add_string(out, "id", c.id);
  return out + '}';
}

std::string admin_result_message(std::string_view command_id, std::string_view node,
                                 std::string_view outcome) {
  std::string out = "{";
  add_string(out, "result", command_id);
  add_string(out, "node", node);
  add_string(out, "outcome", outcome);
  return out + '}';
}

}  // namespace txrt::telecomx
