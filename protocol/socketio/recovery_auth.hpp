#pragma once
// What a reconnecting socket.io client (4.6+) adds to its CONNECT payload to ask for its session
// back: {"pid": "<private session id>", "offset": "<the last event's offset>", ...its own auth}.
// The client sends `offset` only once it has received an event (undefined is left out).
#include <optional>
#include <string>
#include <string_view>

namespace txrt::sio {

struct recovery_auth {
  bool asked = false;    // a "pid" member is present
  bool invalid = false;  // pid or offset present but not a string, or too long
  std::string pid;
  std::optional<std::string> offset;
};

// Longer pids and offsets than these are nobody's: refused unread.
inline constexpr std::size_t max_pid_chars = 64;
inline constexpr std::size_t max_client_offset_chars = 64;

// `auth`: the CONNECT payload (a JSON object, already validated by the decoder; "{}" when none).
recovery_auth read_recovery_auth(std::string_view auth);

}  // namespace txrt::sio
