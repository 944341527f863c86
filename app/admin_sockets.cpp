#include "app/admin_sockets.hpp"

#include <algorithm>

#include "app/client.hpp"
#include "app/replies.hpp"
#include "protocol/iso8601.hpp"
#include "protocol/json.hpp"
#include "protocol/telecomx/subscription.hpp"

namespace txrt::telecomx {

std::string room_key(const subscription& s) {
  std::string key(to_string(s.type));
  if (!s.customer.empty()) key += ':' + s.customer;
  return key;
}

std::vector<std::string> rooms_of(const client& c, const rooms::room_index<client>& index) {
  std::vector<std::string> out{std::string(c.socket_id.view())};
  for (const auto& s : index.subscriptions_of(c)) {
    std::string key = room_key(s);
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(std::move(key));
  }
  return out;
}

bool filter_picks(std::string_view filter, const client& c,
                  const rooms::room_index<client>& index) {
  if (filter.empty() || filter == c.socket_id) return true;
  for (const auto& s : index.subscriptions_of(c))
    if (room_key(s) == filter) return true;
  return false;
}

std::string admin_socket_data(const client& c, std::string_view server) {
  json_object data;
  if (c.who) {
    data.string("employee", c.who->employee)
        .string("customer", c.who->customer)
        .string("accessLevel", to_string(c.who->level));
    if (!c.who->name.empty()) data.string("name", c.who->name);
  }
  data.string("client", c.reported.client_name())
      .string("instanceId", c.reported.instance_id())
      .string("ip", c.reported.ip())
      .string("server", server);
  return std::move(data).take();
}

std::string admin_socket_json(const client& c, const rooms::room_index<client>& index,
                              std::string_view server) {
  const auto issued = std::chrono::duration_cast<std::chrono::milliseconds>(
                          c.connected_at.time_since_epoch())
                          .count();
  std::string handshake =
      std::move(json_object()
                    .string("address", c.remote_address)
                    .raw("headers", "{}")
                    .raw("query", "{}")
                    .raw("issued", std::to_string(issued))
                    .boolean("secure", false)
                    .string("time", protocol::format_iso8601(c.connected_at, protocol::iso8601_precision::seconds))
                    .string("url", "/socket.io/")
                    .boolean("xdomain", false))
          .take();
  std::string rooms = "[";
  for (const auto& r : rooms_of(c, index)) {
    if (rooms.size() > 1) rooms += ',';
    protocol::json::append_string(r, rooms);
  }
  rooms += ']';
  return std::move(json_object()
                       .string("id", c.socket_id)
                       .string("clientId", c.socket_id)
                       .string("transport", c.socket ? c.socket->transport() : c.transport())
                       .string("nsp", "/")
                       .raw("data", admin_socket_data(c, server))
                       .raw("handshake", handshake)
                       .raw("rooms", rooms))
      .take();
}

}  // namespace txrt::telecomx
