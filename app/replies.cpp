#include "app/replies.hpp"

#include "protocol/json.hpp"

namespace txrt::telecomx {

namespace json = protocol::json;

namespace {
void field(std::string& out, std::string_view key, std::string_view value) {
  if (out.size() > 1) out.push_back(',');
  json::append_string(key, out);
  out.push_back(':');
  json::append_string(value, out);
}
void nullable_field(std::string& out, std::string_view key, std::string_view value) {
  if (!value.empty()) return field(out, key, value);
  if (out.size() > 1) out.push_back(',');
  json::append_string(key, out);
  out.append(":null");
}
}  // namespace

std::string authenticated_json(const telecomx::identity& who, bool with_success) {
  std::string out = with_success ? "{\"success\":true" : "{";
  field(out, "employee", who.employee);
  field(out, "customer", who.customer);
  field(out, "accessLevel", telecomx::to_string(who.level));
  out.push_back('}');
  return out;
}

std::string failure_json(std::string_view code, std::string_view message, bool with_success) {
  std::string out = with_success ? "{\"success\":false" : "{";
  field(out, "code", code);
  field(out, "message", message);
  out.push_back('}');
  return out;
}

std::string subscribe_failed_json(std::string_view type, std::string_view customer,
                                  std::string_view code, std::string_view message) {
  std::string out = "{";
  nullable_field(out, "type", type);
  nullable_field(out, "customer", customer);
  field(out, "code", code);
  field(out, "message", message);
  out.push_back('}');
  return out;
}

std::string success_with(std::string_view object_json) {
  std::string out = "{\"success\":true";
  // object_json is "{...}": splice its members after ours.
  if (object_json.size() > 2) {
    out.push_back(',');
    out.append(object_json.substr(1));
  } else {
    out.push_back('}');
  }
  return out;
}

}  // namespace txrt::telecomx
