#include "protocol/telecomx/control_message.hpp"

#include "protocol/json.hpp"

namespace txrt::telecomx {

control_message parse_control_message(std::string_view payload) {
  control_message out;
  auto doc = protocol::json::parse(payload);
  simdjson::dom::object revoke;
  if (doc.error() || doc.value_unsafe()["revoke"].get_object().get(revoke)) return out;
  // Copied: the views point into the thread's parser, which the next parse reuses.
  std::string_view text;
  if (!revoke["employee"].get_string().get(text)) out.employee = std::string(text);
  if (!revoke["token"].get_string().get(text)) out.token = std::string(text);
  out.status = out.employee || out.token ? control_status::revoke : control_status::names_nothing;
  return out;
}

}  // namespace txrt::telecomx
