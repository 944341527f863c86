#include "server/socketio/event_frame.hpp"

#include <array>
#include <string_view>

namespace txrt::sio {

engine::outgoing encode_event(std::string_view name, std::string_view raw_args,
                              std::string_view raw_args_tail) {
  // "4" Engine.IO message, "2" Socket.IO EVENT, namespace "/" implied: 42["name",args...].
  // Written in parts behind the frame header: one allocation and one copy of the arguments
  // per event (this runs for every event a publisher sends).
  const bool has_args = !raw_args.empty() || !raw_args_tail.empty();
  const std::array<std::string_view, 6> parts{
      "42[\"", name, has_args ? "\"," : "\"", raw_args, raw_args_tail, "]"};
  return engine::make_text_frame(parts);
}

}  // namespace txrt::sio
