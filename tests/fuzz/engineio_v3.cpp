// Engine.IO v3 decoders: a WebSocket binary frame (type byte first), a polling body in both the
// string form and the binary form, and the UTF-16 length the string form's prefixes count.
// Property: a decoded body re-encodes (encode_payload_v3, same form) to a body that decodes to
// the same packets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/engineio/packet.hpp"
#include "protocol/engineio/payload.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/outgoing_packets.hpp"

using namespace txrt::eio;

namespace {

void round_trip(std::string_view input, bool binary_form) {
  auto packets = decode_payload_v3(input, binary_form);
  if (!packets) return;
  // v3 lets any packet type travel as binary ("b0..." / type byte 0), but the encoder writes
  // binary messages only (outgoing_packet has no type): such bodies have no round trip.
  for (const auto& p : *packets) {
    if (p.binary && p.type != packet_type::message) return;
  }
  std::vector<std::string> texts;
  const auto out = fuzz::to_outgoing(*packets, texts);
  std::string body;
  encode_payload_v3(out, binary_form, body);
  auto again = decode_payload_v3(body, binary_form);
  TXRT_FUZZ_CHECK(again && again->size() == packets->size());
  for (std::size_t i = 0; i < packets->size(); ++i) {
    const auto& a = (*packets)[i];
    const auto& b = (*again)[i];
    TXRT_FUZZ_CHECK(a.type == b.type && a.binary == b.binary && a.data == b.data);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto p = decode_ws_binary(version::v3, input)) {
    TXRT_FUZZ_CHECK(p->data.size() + 1 == input.size());
  }
  TXRT_FUZZ_CHECK(utf16_length(input) <= input.size());
  round_trip(input, false);
  round_trip(input, true);
  return 0;
}
