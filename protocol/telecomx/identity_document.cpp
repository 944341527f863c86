#include "protocol/telecomx/identity_document.hpp"

#include "protocol/iso8601.hpp"
#include "protocol/json.hpp"

namespace txrt::telecomx {

namespace {

identity_document malformed(std::string why) {
  identity_document d;
  d.error = std::move(why);
  return d;
}

// A string or an integer id, as text; false for anything else.
bool read_id(simdjson::dom::element e, std::string& out) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING:
      out = std::string(e.get_string().value_unsafe());
      return !out.empty();
    case simdjson::dom::element_type::INT64:
      out = std::to_string(e.get_int64().value_unsafe());
      return true;
    case simdjson::dom::element_type::UINT64:
      out = std::to_string(e.get_uint64().value_unsafe());
      return true;
    default:
      return false;
  }
}

// `exp` (seconds since the epoch) or `expires` (ISO-8601); false when present and bad.
bool read_expiry(simdjson::dom::object obj, identity& who) {
  using clock = std::chrono::system_clock;
  simdjson::dom::element e;
  if (!obj["exp"].get(e) && !e.is_null()) {
    double seconds = 0;
    if (e.get_double().get(seconds) || !(seconds > 0) || seconds > 1e11) return false;
    who.expires = clock::time_point(std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(seconds)));
    return true;
  }
  if (!obj["expires"].get(e) && !e.is_null()) {
    std::string_view text;
    if (e.get_string().get(text)) return false;
    who.expires = protocol::parse_iso8601(text);
    return who.expires.has_value();
  }
  return true;
}

}  // namespace

identity_document parse_identity_json(std::string_view text) {
  auto parsed = protocol::json::parse(text);
  if (parsed.error()) return malformed("not JSON");
  simdjson::dom::object obj;
  if (parsed.value_unsafe().get_object().get(obj)) return malformed("not a JSON object");

  // success:false wins over everything else: rejections carry no identity fields.
  simdjson::dom::element success;
  if (!obj["success"].get(success) && success.is_bool() && !success.get_bool().value_unsafe()) {
    identity_document d;
    d.status = identity_status::rejected;
    return d;
  }

  identity_document d;
  simdjson::dom::element e;
  if (obj["employee"].get(e) || !read_id(e, d.who.employee)) return malformed("bad employee");
  if (obj["customer"].get(e) || !read_id(e, d.who.customer)) return malformed("bad customer");
  std::string_view level;
  if (obj["accessLevel"].get(e) || e.get_string().get(level)) return malformed("bad accessLevel");
  const auto parsed_level = telecomx::parse_access_level(level);
  if (!parsed_level) return malformed("unknown accessLevel");
  d.who.level = *parsed_level;
  std::string_view name;
  if (!obj["name"].get(e) && !e.get_string().get(name)) d.who.name = std::string(name);
  simdjson::dom::array resellers;
  if (!obj["organizationResellers"].get(e) && !e.get_array().get(resellers)) {
    for (auto r : resellers) {
      std::string id;
      if (read_id(r, id)) d.who.organization_resellers.push_back(std::move(id));
    }
  }
  if (!read_expiry(obj, d.who)) return malformed("bad exp or expires");
  d.status =
      d.who.level == telecomx::access_level::no_login ? identity_status::no_login : identity_status::ok;
  return d;
}

std::string to_json(const identity& who) {
  namespace json = protocol::json;
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

}  // namespace txrt::telecomx
