#include "app/lifecycle.hpp"

#include <ctime>

#include <spdlog/spdlog.h>

#include "bridge/channels.hpp"
#include "protocol/json.hpp"
#include "app/client.hpp"

namespace txrt::telecomx {

namespace json = protocol::json;

std::string iso8601(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

namespace {
void nullable(std::string& out, std::string_view value) {
  if (value.empty())
    out += "null";
  else
    json::append_string(value, out);
}
}  // namespace

lifecycle::lifecycle(bridge::bus& bus, std::string prefix, std::string server_name)
    : bus_(bus), prefix_(std::move(prefix)), server_name_(std::move(server_name)) {}

void lifecycle::publish(std::string_view event, const client& c, bool with_identity) {
  const std::string customer = with_identity && c.who ? c.who->customer : std::string();
  const std::string employee = with_identity && c.who ? c.who->employee : std::string();
  std::string out = "{\"event\":";
  json::append_string(event, out);
  out += ",\"customer\":";
  nullable(out, customer);
  out += ",\"employee\":";
  nullable(out, employee);
  out += ",\"data\":{\"client\":";
  nullable(out, c.client_name);
  out += ",\"instanceId\":";
  nullable(out, c.instance_id);
  out += ",\"ip\":";
  nullable(out, c.reported_ip);
  out += ",\"remoteAddress\":";
  nullable(out, c.remote_address);
  out += ",\"server\":";
  nullable(out, server_name_);
  out += ",\"connected\":";
  json::append_string(iso8601(c.connected_at), out);
  out += "}}";
  bus_.publish(bridge::event_channel_name(prefix_, telecomx::event_type::realtime, customer),
               std::move(out));
}

void lifecycle::on_connected(const client& c) {
  spdlog::info("connect: socket={} transport={} remoteAddress={}", c.socket_id, c.transport,
               c.remote_address);
  publish("CONNECTED", c, false);
}

void lifecycle::on_authenticated(const client& c) {
  spdlog::info("authenticate: socket={} employee={} customer={} accessLevel={} client={} "
               "instanceId={} ip={} remoteAddress={}",
               c.socket_id, c.who->employee, c.who->customer, telecomx::to_string(c.who->level),
               c.client_name, c.instance_id, c.reported_ip, c.remote_address);
  publish("AUTHENTICATED", c, true);
}

void lifecycle::on_disconnected(const client& c, std::string_view reason) {
  spdlog::info("disconnect: socket={} employee={} client={} instanceId={} ip={} "
               "remoteAddress={} reason={}",
               c.socket_id, c.who ? c.who->employee : std::string("-"), c.client_name,
               c.instance_id, c.reported_ip, c.remote_address, reason);
  publish("DISCONNECTED", c, c.who.has_value());
}

}  // namespace txrt::telecomx
