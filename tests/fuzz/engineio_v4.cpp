// Engine.IO v4 decoders: a WebSocket text frame, a WebSocket binary frame and a polling body.
// Properties: a decoded text packet re-encodes to the same bytes; a decoded polling body
// re-encodes (encode_payload_v4) to a body that decodes to the same packets.
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

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto p = decode_text(input)) {
    std::string again;
    encode_text(p->type, p->data, again);
    TXRT_FUZZ_CHECK(again == input);
  }

  if (auto p = decode_ws_binary(version::v4, input)) {
    TXRT_FUZZ_CHECK(p->binary && p->data.size() == input.size());
  }

  auto packets = decode_payload_v4(input);
  if (!packets) return 0;
  std::vector<std::string> texts;
  const auto out = fuzz::to_outgoing(*packets, texts);
  std::string body;
  encode_payload_v4(out, body);
  auto again = decode_payload_v4(body);
  TXRT_FUZZ_CHECK(again && again->size() == packets->size());
  for (std::size_t i = 0; i < packets->size(); ++i) {
    const auto& a = (*packets)[i];
    const auto& b = (*again)[i];
    TXRT_FUZZ_CHECK(a.type == b.type && a.binary == b.binary && a.data == b.data);
  }
  return 0;
}
