#include "protocol/socketio/recovery_auth.hpp"

#include "protocol/json.hpp"

namespace txrt::sio {

recovery_auth read_recovery_auth(std::string_view auth) {
  recovery_auth r;
  simdjson::dom::object obj;
  if (protocol::json::parse(auth).get_object().get(obj) != simdjson::SUCCESS) return r;
  simdjson::dom::element pid;
  if (obj.at_key("pid").get(pid) != simdjson::SUCCESS) return r;
  r.asked = true;
  std::string_view text;
  if (pid.get_string().get(text) != simdjson::SUCCESS || text.empty() ||
      text.size() > max_pid_chars) {
    r.invalid = true;
    return r;
  }
  r.pid.assign(text);
  simdjson::dom::element offset;
  // null is what some clients send for "none yet"; treat it as absent.
  if (obj.at_key("offset").get(offset) != simdjson::SUCCESS || offset.is_null()) return r;
  if (offset.get_string().get(text) != simdjson::SUCCESS || text.size() > max_client_offset_chars) {
    r.invalid = true;
    return r;
  }
  r.offset.emplace(text);
  return r;
}

}  // namespace txrt::sio
