#include "server/socketio/event_frame.hpp"

#include <string>

namespace txrt::sio {

engine::outgoing encode_event(std::string_view name, std::string_view raw_args) {
  std::string packet;
  packet.reserve(name.size() + raw_args.size() + 8);
  // "4" Engine.IO message, "2" Socket.IO EVENT, namespace "/" implied.
  packet.append("42[\"").append(name).push_back('"');
  if (!raw_args.empty()) packet.append(",").append(raw_args);
  packet.push_back(']');
  return engine::make_text_frame(packet);
}

}  // namespace txrt::sio
