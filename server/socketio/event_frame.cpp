#include "server/socketio/event_frame.hpp"

#include <cstdint>
#include <string>

#include "protocol/websocket/frame.hpp"

namespace txrt::sio {

engine::outgoing encode_event(std::string_view name, std::string_view raw_args,
                              std::string_view raw_args_tail) {
  // "4" Engine.IO message, "2" Socket.IO EVENT, namespace "/" implied: 42["name",args...].
  const bool has_args = !raw_args.empty() || !raw_args_tail.empty();
  const std::size_t packet_size = 4 + name.size() + 1 + (has_args ? 1 : 0) + raw_args.size() +
                                  raw_args_tail.size() + 1;
  // The frame header first, then the packet written behind it: one allocation and one copy of
  // the arguments per event (this runs for every event a publisher sends).
  std::uint8_t header[protocol::ws::max_header_size];
  const std::size_t header_size =
      protocol::ws::encode_header(header, protocol::ws::opcode::text, packet_size);
  std::string frame;
  frame.reserve(header_size + packet_size);
  frame.append(reinterpret_cast<const char*>(header), header_size);
  frame.append("42[\"").append(name).push_back('"');
  if (has_args) frame.append(",").append(raw_args).append(raw_args_tail);
  frame.push_back(']');
  return {engine::make_shared_bytes(std::move(frame)), false,
          static_cast<std::uint8_t>(header_size)};
}

}  // namespace txrt::sio
