#include "protocol/telecomx/recovery_record.hpp"

#include "protocol/json.hpp"

namespace txrt::telecomx {

namespace {

constexpr std::int64_t record_version = 1;

void append_member(std::string_view key, std::string_view value, std::string& out) {
  out.push_back(',');
  protocol::json::append_string(key, out);
  out.push_back(':');
  protocol::json::append_string(value, out);
}

bool read_string(const simdjson::dom::object& obj, std::string_view key, std::string& out) {
  std::string_view value;
  if (obj.at_key(key).get_string().get(value) != simdjson::SUCCESS) return false;
  out.assign(value);
  return true;
}

bool read_offset(const simdjson::dom::object& obj, std::string_view key, stream_offset& out) {
  std::string_view text;
  if (obj.at_key(key).get_string().get(text) != simdjson::SUCCESS) return false;
  auto parsed = parse_offset(text);
  if (!parsed) return false;
  out = *parsed;
  return true;
}

}  // namespace

std::string encode(const recovery_record& r) {
  std::string out = "{\"v\":1";
  append_member("sid", r.sid, out);
  append_member("token", r.token, out);
  append_member("employee", r.employee, out);
  append_member("client", r.client_name, out);
  append_member("instanceId", r.instance_id, out);
  append_member("ip", r.reported_ip, out);
  append_member("since", to_string(r.since), out);
  out += ",\"subs\":[";
  for (std::size_t i = 0; i < r.subscriptions.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += "{\"s\":";
    out += to_json(r.subscriptions[i].what);
    append_member("since", to_string(r.subscriptions[i].since), out);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

std::optional<recovery_record> parse_recovery_record(std::string_view json) {
  if (json.size() > max_recovery_record_bytes) return std::nullopt;
  recovery_record r;
  // The subscriptions' own texts, parsed after this DOM is done with: parse_subscription uses
  // the same thread-local parser, which would invalidate it.
  std::vector<std::string> subscription_texts;
  {
    simdjson::dom::object obj;
    if (protocol::json::parse(json).get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
    std::int64_t version = 0;
    if (obj.at_key("v").get_int64().get(version) != simdjson::SUCCESS || version != record_version)
      return std::nullopt;
    if (!read_string(obj, "sid", r.sid) || r.sid.empty() || !read_string(obj, "token", r.token) ||
        r.token.empty() || !read_string(obj, "employee", r.employee) ||
        !read_string(obj, "client", r.client_name) ||
        !read_string(obj, "instanceId", r.instance_id) || !read_string(obj, "ip", r.reported_ip) ||
        !read_offset(obj, "since", r.since))
      return std::nullopt;
    simdjson::dom::array subs;
    if (obj.at_key("subs").get_array().get(subs) != simdjson::SUCCESS) return std::nullopt;
    for (simdjson::dom::element item : subs) {
      simdjson::dom::object held;
      simdjson::dom::element what;
      recovery_record::held h;
      if (item.get_object().get(held) != simdjson::SUCCESS ||
          held.at_key("s").get(what) != simdjson::SUCCESS || !read_offset(held, "since", h.since))
        return std::nullopt;
      subscription_texts.push_back(simdjson::minify(what));
      r.subscriptions.push_back(std::move(h));
    }
  }
  for (std::size_t i = 0; i < subscription_texts.size(); ++i) {
    auto parsed = parse_subscription(subscription_texts[i]);
    if (!parsed.value) return std::nullopt;
    r.subscriptions[i].what = std::move(*parsed.value);
  }
  return r;
}

}  // namespace txrt::telecomx
