// Socket.IO packet decoding, v5 and v4, with what the binary reassembly does next: a header
// that announces attachments has its data split (split_event / array_body) before the
// placeholders are filled in. Property (v5): encode_header of the decoded fields followed by
// the data decodes to the same packet.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "protocol/socketio/packet.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace txrt::sio;

namespace {

bool within(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  std::less_equal<const char*> le;
  return le(whole.data(), part.data()) && le(part.data() + part.size(), whole.data() + whole.size());
}

void follow_up(const packet& p) {
  if (p.data.empty()) return;
  const bool array_payload = p.type == packet_type::event || p.type == packet_type::binary_event ||
                             p.type == packet_type::ack || p.type == packet_type::binary_ack;
  if (p.attachments == 0 && !array_payload) return;
  if (auto body = array_body(p.data)) TXRT_FUZZ_CHECK(within(*body, p.data));
  if (auto ev = split_event(p.data)) {
    TXRT_FUZZ_CHECK(within(ev->args, p.data));
    // Rebuilt from the split, the event is the same JSON array: same name, same arity.
    std::string rebuilt;
    encode_event_array(ev->name, ev->args, rebuilt);
    auto again = split_event(rebuilt);
    TXRT_FUZZ_CHECK(again && again->name == ev->name && again->args == ev->args);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto p = decode(version::v5, input)) {
    TXRT_FUZZ_CHECK(within(p->data, input) && within(p->nsp, input) || p->nsp == "/");
    follow_up(*p);
    std::string again;
    encode_header(p->type, p->nsp, p->ack_id, p->attachments, again);
    again.append(p->data);
    auto q = decode(version::v5, again);
    TXRT_FUZZ_CHECK(q && q->type == p->type && q->nsp == p->nsp && q->ack_id == p->ack_id &&
                    q->attachments == p->attachments && q->data == p->data);
  }
  if (auto p = decode(version::v4, input)) follow_up(*p);
  return 0;
}
