#pragma once
// The client's `authenticate` payload (SPEC §3): {token, client?, instanceId?, ip?}.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace txrt::telecomx {

struct authenticate_payload {
  std::string token;        // non-empty
  std::string client_name;  // "client": informational, at most max_info_bytes
  std::string instance_id;  // "instanceId": informational, at most max_info_bytes
  std::string ip;           // "ip" as the client reports it: informational, at most max_info_bytes
};

// The informational fields are cut to at most this many bytes, at a UTF-8 character boundary
// (they go into REALTIME events and /clients as JSON): they are only logged and listed.
inline constexpr std::size_t max_info_bytes = 256;

// Reads the first argument of the event (`event_args`: the raw JSON elements after the event
// name). Nothing when it is not an object with a non-empty string `token`; the other fields
// are kept when they are strings and ignored otherwise.
std::optional<authenticate_payload> parse_authenticate(std::string_view event_args);

}  // namespace txrt::telecomx
