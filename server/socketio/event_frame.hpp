#pragma once
// An EVENT for the main namespace ("/"), encoded once for many sockets: the Engine.IO message
// prefix, the Socket.IO packet 2["name",args] and, in front, a ready WebSocket frame header, in
// one immutable allocation that socket::send_encoded queues on any number of sockets (fan-out,
// request/reply delivery) without a copy. Polling sockets get the same packet without the
// header. The bytes are the same for Socket.IO v5 and v4 (v2 clients) on "/".
#include <string_view>

#include "server/engine/types.hpp"

namespace txrt::sio {

// `name` must be a JSON-safe event name (no '"' or '\'): the application's fixed event names.
// `raw_args`: the event's arguments as JSON elements, comma-separated (may be empty);
// `raw_args_tail`, written right after them: more of the same (",\"<offset>\"" for recovery),
// so that a caller adding an argument need not copy the others first.
engine::outgoing encode_event(std::string_view name, std::string_view raw_args,
                              std::string_view raw_args_tail = {});

}  // namespace txrt::sio
