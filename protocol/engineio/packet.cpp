#include "protocol/engineio/packet.hpp"

namespace txrt::eio {

namespace {

constexpr unsigned max_type = static_cast<unsigned>(packet_type::noop);

}  // namespace

result<packet> decode_text(std::string_view text) noexcept {
  if (text.empty()) return errc::empty_packet;
  const unsigned digit = static_cast<unsigned char>(text[0]) - unsigned{'0'};
  if (digit > max_type) return errc::unknown_packet_type;  // also catches bytes below '0'
  return packet{static_cast<packet_type>(digit), false, text.substr(1)};
}

result<packet> decode_ws_binary(version v, std::string_view frame) noexcept {
  if (v == version::v4) return packet{packet_type::message, true, frame};
  // v3 sends the packet type as a raw byte (0..6), not as a digit.
  if (frame.empty()) return errc::empty_packet;
  const unsigned type = static_cast<unsigned char>(frame[0]);
  if (type > max_type) return errc::unknown_packet_type;
  return packet{static_cast<packet_type>(type), true, frame.substr(1)};
}

void encode_text(packet_type type, std::string_view data, std::string& out) {
  out.push_back(static_cast<char>('0' + static_cast<unsigned>(type)));
  out.append(data);
}

void encode_ws_binary(version v, std::string_view bytes, std::string& out) {
  if (v == version::v3) out.push_back(static_cast<char>(packet_type::message));
  out.append(bytes);
}

}  // namespace txrt::eio
