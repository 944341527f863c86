#pragma once
// The JSON the Telecom X application answers with (SPEC §3, §5), and the one object writer
// they are built with. Small objects, written in order with protocol::json's string writer
// (escaping included); never on the fan-out path.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/telecomx/identity.hpp"
#include "protocol/telecomx/subscription.hpp"

namespace txrt::telecomx {

// {"employee":..,"customer":..,"accessLevel":..}; with `success` the ack form
// {"success":true,"employee":..,...}.
std::string authenticated_json(const telecomx::identity& who, bool with_success);

// {"code":..,"message":..}; with `success` the ack form {"success":false,"code":..,"message":..}.
// The one {success:false,…} builder: socket refusals, subscribe acks and HTTP 401 bodies.
std::string failure_json(std::string_view code, std::string_view message, bool with_success);

// {"type":..,"customer":..,"code":..,"message":..}; type/customer null when unknown.
std::string subscribe_failed_json(std::string_view type, std::string_view customer,
                                  std::string_view code, std::string_view message);

// The subscription echo with "success":true in front: {"success":true,"type":"PBX",...}.
std::string success_with(std::string_view object_json);

// The unsubscribe ack: the echo with "success":true in front and "removed":<n> at the end.
std::string unsubscribed_ack_json(std::string_view object_json, std::size_t removed);

// The echo with "reason":<reason> at the end: the `unsubscribed` of a subscription the server
// removed ({"type":"PBX","customer":"c1","reason":"access_changed"}).
std::string with_reason(std::string_view object_json, std::string_view reason);

// A JSON object written member by member, keys in the order given. Keys and string values go
// through protocol::json::append_string; raw() takes a value that is already JSON text.
class json_object {
 public:
  json_object() : out_("{") {}
  json_object& string(std::string_view key, std::string_view value);
  // The value as a string, or null when it is empty.
  json_object& string_or_null(std::string_view key, std::string_view value);
  json_object& boolean(std::string_view key, bool value);
  json_object& raw(std::string_view key, std::string_view json_value);
  // The object, closed. The writer is spent afterwards.
  std::string take() &&;

 private:
  void key(std::string_view k);
  std::string out_;
};

}  // namespace txrt::telecomx
