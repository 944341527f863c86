#include "app/lifecycle.hpp"

#include <spdlog/spdlog.h>

#include "app/client.hpp"
#include "bridge/channels.hpp"
#include "protocol/iso8601.hpp"
#include "protocol/json.hpp"
#include "protocol/log_text.hpp"

namespace txrt::telecomx {

namespace json = protocol::json;
// Every client-provided string in a log line goes through it (a `client` name with a newline
// once forged a whole line); the validator's answers too, which come from another system.
using protocol::log_text;

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
  nullable(out, c.reported.client_name());
  out += ",\"instanceId\":";
  nullable(out, c.reported.instance_id());
  out += ",\"ip\":";
  nullable(out, c.reported.ip());
  out += ",\"remoteAddress\":";
  nullable(out, c.remote_address);
  out += ",\"server\":";
  nullable(out, server_name_);
  out += ",\"connected\":";
  // Milliseconds, e.g. 2026-11-26T14:05:09.123Z (GET /clients writes whole seconds).
  json::append_string(
      protocol::format_iso8601(c.connected_at, protocol::iso8601_precision::milliseconds), out);
  out += "}}";
  bus_.publish(bridge::event_channel_name(prefix_, telecomx::event_type::realtime, customer),
               std::move(out));
}

void lifecycle::on_connected(const client& c) {
  spdlog::info("connect: socket={} transport={} remoteAddress={}", c.socket_id.view(), c.transport(),
               log_text(c.remote_address));
  publish("CONNECTED", c, false);
}

void lifecycle::on_authenticated(const client& c) {
  spdlog::info(
      "authenticate: socket={} employee={} customer={} accessLevel={} client={} "
      "instanceId={} ip={} remoteAddress={}",
      c.socket_id.view(), log_text(c.who->employee), log_text(c.who->customer),
      telecomx::to_string(c.who->level), log_text(c.reported.client_name()), log_text(c.reported.instance_id()),
      log_text(c.reported.ip()), log_text(c.remote_address));
  publish("AUTHENTICATED", c, true);
}

void lifecycle::on_disconnected(const client& c, std::string_view reason) {
  spdlog::info(
      "disconnect: socket={} employee={} client={} instanceId={} ip={} "
      "remoteAddress={} reason={}",
      c.socket_id.view(), c.who ? log_text(c.who->employee) : std::string("-"), log_text(c.reported.client_name()),
      log_text(c.reported.instance_id()), log_text(c.reported.ip()), log_text(c.remote_address), reason);
  publish("DISCONNECTED", c, c.who != nullptr);
}

}  // namespace txrt::telecomx
