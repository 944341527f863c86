#include "app/replies.hpp"

#include "protocol/json.hpp"

namespace txrt::telecomx {

namespace json = protocol::json;

void json_object::key(std::string_view k) {
  if (out_.size() > 1) out_.push_back(',');
  json::append_string(k, out_);
  out_.push_back(':');
}

json_object& json_object::string(std::string_view k, std::string_view value) {
  key(k);
  json::append_string(value, out_);
  return *this;
}

json_object& json_object::string_or_null(std::string_view k, std::string_view value) {
  if (!value.empty()) return string(k, value);
  key(k);
  out_.append("null");
  return *this;
}

json_object& json_object::boolean(std::string_view k, bool value) {
  key(k);
  out_.append(value ? "true" : "false");
  return *this;
}

json_object& json_object::raw(std::string_view k, std::string_view json_value) {
  key(k);
  out_.append(json_value);
  return *this;
}

std::string json_object::take() && {
  out_.push_back('}');
  return std::move(out_);
}

std::string authenticated_json(const telecomx::identity& who, bool with_success) {
  json_object out;
  if (with_success) out.boolean("success", true);
  return std::move(out.string("employee", who.employee)
                       .string("customer", who.customer)
                       .string("accessLevel", telecomx::to_string(who.level)))
      .take();
}

std::string failure_json(std::string_view code, std::string_view message, bool with_success) {
  json_object out;
  if (with_success) out.boolean("success", false);
  return std::move(out.string("code", code).string("message", message)).take();
}

std::string subscribe_failed_json(std::string_view type, std::string_view customer,
                                  std::string_view code, std::string_view message) {
  return std::move(json_object()
                       .string_or_null("type", type)
                       .string_or_null("customer", customer)
                       .string("code", code)
                       .string("message", message))
      .take();
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

std::string unsubscribed_ack_json(std::string_view object_json, std::size_t removed) {
  std::string out = success_with(object_json);
  out.insert(out.size() - 1, ",\"removed\":" + std::to_string(removed));
  return out;
}

std::string with_reason(std::string_view object_json, std::string_view reason) {
  std::string out(object_json.substr(0, object_json.size() - 1));  // without the closing '}'
  if (out.size() > 1) out.push_back(',');
  out += "\"reason\":";
  json::append_string(reason, out);
  out.push_back('}');
  return out;
}

}  // namespace txrt::telecomx
