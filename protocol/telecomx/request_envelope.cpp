#include "protocol/telecomx/request_envelope.hpp"

#include <vector>

#include "protocol/json.hpp"
#include "protocol/telecomx/identity_document.hpp"

namespace txrt::telecomx {

namespace json = protocol::json;

namespace {

// A non-empty string of at most max_request_field bytes.
bool read_name(simdjson::dom::object obj, std::string_view key, std::string& out) {
  std::string_view text;
  if (obj[key].get_string().get(text) || text.empty() || text.size() > max_request_field)
    return false;
  out = std::string(text);
  return true;
}

// {employee: string, instanceId?: string | null}.
std::optional<request_target> read_target(simdjson::dom::element e) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj)) return std::nullopt;
  request_target t;
  if (!read_name(obj, "employee", t.employee)) return std::nullopt;
  auto instance = obj["instanceId"];
  if (!instance.error() && !instance.is_null()) {
    std::string_view id;
    if (instance.get_string().get(id) || id.size() > max_request_field) return std::nullopt;
    t.instance_id = std::string(id);
  }
  return t;
}

// A member that is absent or null is "no target"; one that is present must be a target.
enum class target_field : std::uint8_t { absent, ok, invalid };

target_field read_optional_target(simdjson::dom::object obj, std::string_view key,
                                  std::optional<request_target>& out) {
  auto field = obj[key];
  if (field.error() || field.is_null()) return target_field::absent;
  out = read_target(field.value_unsafe());
  return out ? target_field::ok : target_field::invalid;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_zero_tier_lookalike(std::string_view request) noexcept {
  return !is_zero_tier(request) && request.size() >= zero_tier_prefix.size() &&
         equal_ignoring_case(request.substr(0, zero_tier_prefix.size()), zero_tier_prefix);
}

bool valid_utf8(std::string_view s) noexcept {
  return simdjson::validate_utf8(s.data(), s.size());
}

void append_target(const request_target& t, std::string& out) {
  out += "{\"employee\":";
  json::append_string(t.employee, out);
  out += ",\"instanceId\":";
  if (t.instance_id.empty())
    out += "null";
  else
    json::append_string(t.instance_id, out);
  out += '}';
}

void append_optional_target(const std::optional<request_target>& t, std::string& out) {
  if (t)
    append_target(*t, out);
  else
    out += "null";
}

std::string_view raw_member(const std::vector<json::member_span>& members, std::string_view key) {
  for (const auto& m : members)
    if (m.key == key) return m.value;
  return "null";
}

// {"k1":<raw k1>,"k2":<raw k2>,...}: the members copied from the envelope's text.
std::string raw_object(const std::vector<json::member_span>& members,
                       std::initializer_list<std::string_view> keys) {
  std::string out = "{";
  for (const auto key : keys) {
    if (out.size() > 1) out += ',';
    out.append("\"").append(key).append("\":").append(raw_member(members, key));
  }
  out += '}';
  return out;
}

}  // namespace

client_message parse_client_message(std::string_view args, message_kind kind) {
  client_message m;
  const auto first = json::first_element(args);
  auto doc = json::parse(first);
  simdjson::dom::object obj;
  if (first.empty() || doc.error() || doc.value().get_object().get(obj)) {
    m.error = "payload must be an object";
    return m;
  }
  auto to_field = obj["to"];
  auto to = to_field.error() ? std::nullopt : read_target(to_field.value_unsafe());
  if (!to) {
    m.error = "to must be {employee: string, instanceId?: string}";
    return m;
  }
  m.to = std::move(*to);
  if (!read_name(obj, "request", m.request)) {
    m.error = "request must be a non-empty string";
    return m;
  }
  if (is_zero_tier_lookalike(m.request)) {
    m.error = "request differs from a CommunicatorZeroTier name only by case";
    return m;
  }
  if (kind == message_kind::reply) {
    if (!read_name(obj, "requestId", m.request_id)) {
      m.error = "requestId must be a non-empty string";
      return m;
    }
  } else if (read_optional_target(obj, "replyTo", m.reply_to) == target_field::invalid) {
    m.error = "replyTo must be {employee: string, instanceId?: string}";
    return m;
  }
  // `data` is copied as written: found by scanning the (already validated) text.
  for (const auto& member : json::object_members(first))
    if (member.key == "data") {
      m.data = std::string(member.value);
      break;
    }
  return m;
}

std::string_view sender_error(const request_target& from, const identity& sender) {
  if (!valid_utf8(from.instance_id))
    return "the instanceId this socket authenticated with is not valid UTF-8";
  bool ok = valid_utf8(from.employee) && valid_utf8(sender.employee) && valid_utf8(sender.customer);
  for (const auto& r : sender.organization_resellers) ok = ok && valid_utf8(r);
  return ok ? std::string_view() : "the sender's identity is not valid UTF-8";
}

std::string request_record_json(const client_message& request) {
  std::string out = "{\"employee\":";
  json::append_string(request.to.employee, out);
  out += ",\"request\":";
  json::append_string(request.request, out);
  out += ",\"replyTo\":";
  append_optional_target(request.reply_to, out);
  out += ",\"instanceId\":";
  if (request.to.instance_id.empty())
    out += "null";
  else
    json::append_string(request.to.instance_id, out);
  out += '}';
  return out;
}

std::optional<request_record> parse_request_record(std::string_view text) {
  auto doc = json::parse(text);
  simdjson::dom::object obj;
  std::string_view employee, request;
  if (doc.error() || doc.value().get_object().get(obj) ||
      obj["employee"].get_string().get(employee) || obj["request"].get_string().get(request))
    return std::nullopt;
  request_record r{std::string(employee), std::string(request), false, std::nullopt, {}};
  auto instance = obj["instanceId"];
  if (!instance.error() && !instance.is_null()) {
    std::string_view id;
    if (instance.get_string().get(id)) return std::nullopt;
    r.instance_id = std::string(id);
  }
  r.wants_reply = read_optional_target(obj, "replyTo", r.reply_to) != target_field::absent;
  return r;
}

std::string request_envelope_json(const client_message& request, std::string_view request_id,
                                  const request_target& from, const identity& sender) {
  std::string out = "{\"kind\":\"request\",\"requestId\":";
  json::append_string(request_id, out);
  out += ",\"request\":";
  json::append_string(request.request, out);
  out += ",\"from\":";
  append_target(from, out);
  out += ",\"sender\":";
  out += to_json(sender);
  out += ",\"to\":";
  append_target(request.to, out);
  out += ",\"replyTo\":";
  append_optional_target(request.reply_to, out);
  out.append(",\"data\":").append(request.data).append("}");
  return out;
}

std::string reply_envelope_json(const client_message& reply, const request_target& from) {
  std::string out = "{\"kind\":\"reply\",\"requestId\":";
  json::append_string(reply.request_id, out);
  out += ",\"request\":";
  json::append_string(reply.request, out);
  out += ",\"from\":";
  append_target(from, out);
  out += ",\"to\":";
  append_target(reply.to, out);
  out.append(",\"data\":").append(reply.data).append("}");
  return out;
}

envelope_result parse_envelope(std::string_view payload) {
  envelope_result r;
  auto doc = json::parse(payload);
  simdjson::dom::object obj;
  std::string_view kind;
  if (doc.error() || doc.value().get_object().get(obj) || obj["kind"].get_string().get(kind))
    return r;  // malformed
  r.status = envelope_status::ignored;
  auto& env = r.envelope;
  if (kind == "request")
    env.kind = envelope_kind::request;
  else if (kind == "reply")
    env.kind = envelope_kind::reply;
  else
    return r;
  auto to_field = obj["to"];
  auto to = to_field.error() ? std::nullopt : read_target(to_field.value_unsafe());
  if (!to) return r;
  env.to = std::move(*to);

  const auto members = json::object_members(payload);
  if (env.kind == envelope_kind::reply) {
    env.event_args = raw_object(members, {"from", "to", "request", "requestId", "data"});
    r.status = envelope_status::ok;
    return r;
  }
  std::string_view request;
  if (obj["request"].get_string().get(request)) return r;
  env.request = std::string(request);
  env.event_args = raw_object(members, {"from", "request", "requestId", "data", "replyTo"});
  // Last: the identity codec parses on this thread's parser, which ends `doc` and `obj`.
  const auto sender_text = raw_member(members, "sender");
  auto sender = parse_identity_json(sender_text);
  if (sender.status != identity_status::ok && sender.status != identity_status::no_login) return r;
  env.sender = std::move(sender.who);
  r.status = envelope_status::ok;
  return r;
}

std::string request_accepted_json(std::string_view request_id) {
  std::string out = "{\"success\":true,\"requestId\":";
  json::append_string(request_id, out);
  out += '}';
  return out;
}

}  // namespace txrt::telecomx
