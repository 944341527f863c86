#include "protocol/websocket/frame.hpp"

#include <cstring>
#include <optional>

#include <simdjson.h>

namespace txrt::protocol::ws {

namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t rsv_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0F;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint64_t max_control_payload = 125;

bool is_control(std::uint8_t op) noexcept { return (op & 0x8) != 0; }

struct frame_sizes {
  std::size_t header;    // 2 to 14 bytes, the mask key included
  std::uint64_t length;  // of the payload
};

// The sizes of the frame at the front of `head`, or nullopt while its header is incomplete.
// Validation (reserved bits, minimal length encoding, limits) is take_frame's.
std::optional<frame_sizes> read_frame_sizes(std::string_view head) noexcept {
  if (head.size() < 2) return std::nullopt;
  const auto b1 = static_cast<std::uint8_t>(head[1]);
  const std::uint64_t length7 = b1 & 0x7F;
  const std::size_t header =
      2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + ((b1 & mask_bit) ? 4 : 0);
  if (head.size() < header) return std::nullopt;
  std::uint64_t length = length7;
  if (length7 == 126) {
    length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(head[2])) << 8) |
             static_cast<std::uint8_t>(head[3]);
  } else if (length7 == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | static_cast<std::uint8_t>(head[2 + i]);
  }
  return frame_sizes{header, length};
}

bool is_known(std::uint8_t op) noexcept {
  switch (static_cast<opcode>(op)) {
    case opcode::continuation:
    case opcode::text:
    case opcode::binary:
    case opcode::close:
    case opcode::ping:
    case opcode::pong:
      return true;
  }
  return false;
}

// A close payload is empty, or a valid code followed by a UTF-8 reason (RFC 6455 §7.4).
bool valid_close_payload(std::string_view p) noexcept {
  if (p.empty()) return true;
  if (p.size() == 1) return false;
  const auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(p[0]) << 8) |
                                               static_cast<std::uint8_t>(p[1]));
  const bool code_ok = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
                       (code >= 3000 && code <= 4999);
  return code_ok && simdjson::validate_utf8(p.data() + 2, p.size() - 2);
}

}  // namespace

std::size_t encode_header(std::uint8_t* out, opcode op, std::uint64_t payload_size,
                          const std::uint8_t* mask) noexcept {
  out[0] = static_cast<std::uint8_t>(fin_bit | static_cast<std::uint8_t>(op));
  const std::uint8_t masked = mask ? mask_bit : 0;
  std::size_t n;
  if (payload_size < 126) {
    out[1] = static_cast<std::uint8_t>(masked | payload_size);
    n = 2;
  } else if (payload_size <= 0xFFFF) {
    out[1] = static_cast<std::uint8_t>(masked | 126);
    out[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out[3] = static_cast<std::uint8_t>(payload_size);
    n = 4;
  } else {
    out[1] = static_cast<std::uint8_t>(masked | 127);
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(payload_size >> (56 - 8 * i));
    n = 10;
  }
  if (mask) {
    std::memcpy(out + n, mask, 4);
    n += 4;
  }
  return n;
}

std::string encode_frame(opcode op, std::string_view payload, bool compressed) {
  return encode_frame(op, std::span<const std::string_view>(&payload, 1), compressed);
}

std::string encode_frame(opcode op, std::span<const std::string_view> payload_parts,
                         bool compressed) {
  std::size_t payload_size = 0;
  for (const auto part : payload_parts) payload_size += part.size();
  std::uint8_t header[max_header_size];
  const auto n = encode_header(header, op, payload_size);
  if (compressed) header[0] |= rsv1_bit;
  std::string frame;
  frame.reserve(n + payload_size);
  frame.append(reinterpret_cast<const char*>(header), n);
  for (const auto part : payload_parts) frame.append(part);
  return frame;
}

void apply_mask(std::span<char> bytes, const std::uint8_t mask[4], std::size_t offset) noexcept {
  // Word at a time: the payloads of client messages are short, but a 1 MB binary is not.
  std::size_t i = 0;
  std::uint8_t rotated[4];
  for (int k = 0; k < 4; ++k) rotated[k] = mask[(offset + k) % 4];
  std::uint64_t word_mask;
  std::uint8_t mask8[8];
  for (int k = 0; k < 8; ++k) mask8[k] = rotated[k % 4];
  std::memcpy(&word_mask, mask8, 8);
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    w ^= word_mask;
    std::memcpy(bytes.data() + i, &w, 8);
  }
  for (; i < bytes.size(); ++i) bytes[i] = static_cast<char>(bytes[i] ^ rotated[i % 4]);
}

std::uint16_t close_code(error e) noexcept {
  switch (e) {
    case error::none: return 1000;
    case error::protocol: return 1002;
    case error::too_big: return 1009;
    case error::bad_utf8: return 1007;
    case error::bad_data: return 1007;
  }
  return 1002;
}

std::string_view describe(error e) noexcept {
  switch (e) {
    case error::none: return "none";
    case error::protocol: return "websocket protocol error";
    case error::too_big: return "websocket message too big";
    case error::bad_utf8: return "websocket text is not UTF-8";
    case error::bad_data: return "websocket compressed message does not inflate";
  }
  return "websocket error";
}

std::string close_payload(std::uint16_t code) {
  std::string p(2, '\0');
  p[0] = static_cast<char>(code >> 8);
  p[1] = static_cast<char>(code & 0xFF);
  return p;
}

reader::frame_result reader::fail(error e) noexcept {
  failure_ = e;
  return frame_result::failed;
}

reader::status reader::next(std::span<char>& input, message& out) {
  if (failure_ != error::none) return status::failed;
  release_returned();
  for (;;) {
    frame_result r;
    if (held_ && held_->pending_used < held_->pending.size()) {
      // A partial frame is held: complete it from the input (taking only what it needs, so
      // that the rest of a large read is still parsed in place), then parse it from here.
      top_up(input);
      auto& h = *held_;
      std::span<char> rest(h.pending.data() + h.pending_used, h.pending.size() - h.pending_used);
      const auto before = rest.size();
      r = take_frame(rest, out);
      h.pending_used += before - rest.size();
      if (r == frame_result::incomplete) {
        // top_up takes what the frame lacks, so input is left only once the frame is complete;
        // anything else would be a disagreement with take_frame: refuse rather than spin.
        if (!input.empty()) {
          fail(error::protocol);
          return status::failed;
        }
        return status::need_more;
      }
    } else {
      if (held_ && !held_->pending.empty()) {
        held_->pending.clear();
        held_->pending_used = 0;
        shrink(held_->pending);
      }
      if (input.empty()) return status::need_more;
      r = take_frame(input, out);
      if (r == frame_result::incomplete) {
        hold().pending.assign(input.data(), input.size());
        input = input.subspan(input.size());
        return status::need_more;
      }
    }
    if (r == frame_result::message) return status::message;
    if (r == frame_result::failed) return status::failed;
    // frame_result::fragment: a piece of a fragmented message was stored; go on.
  }
}

std::size_t reader::whole_frame_size(std::string_view head) const noexcept {
  const auto sizes = read_frame_sizes(head);
  if (!sizes) return 0;
  // A data frame over the limit is refused from its header; never wait for its payload.
  // (Control frames are bounded at 125 bytes by take_frame, whatever the message limit.)
  const bool control = (static_cast<std::uint8_t>(head[0]) & 0x8) != 0;
  if (!control && sizes->length > max_message_) return sizes->header;
  return sizes->header + static_cast<std::size_t>(sizes->length);
}

void reader::top_up(std::span<char>& input) {
  // Twice at most: the rest of the header, then the rest of the payload.
  for (int step = 0; step < 2 && !input.empty(); ++step) {
    auto& h = *held_;
    const std::string_view head(h.pending.data() + h.pending_used, h.pending.size() - h.pending_used);
    const auto whole = whole_frame_size(head);
    std::size_t want;
    if (whole == 0)
      want = max_header_size - std::min(head.size(), max_header_size);  // may take a few bytes
                                                                       // of the next frame
    else if (whole > head.size())
      want = whole - head.size();
    else
      return;
    if (want == 0) want = 1;
    const auto take = std::min(want, input.size());
    h.pending.append(input.data(), take);
    input = input.subspan(take);
  }
}

reader::held& reader::hold() {
  if (!held_) held_ = std::make_unique<held>();
  return *held_;
}

void reader::release_returned() {
  if (!held_) return;
  auto& h = *held_;
  if (h.pending_used > 0) {
    h.pending.erase(0, h.pending_used);
    h.pending_used = 0;
    if (h.pending.empty()) shrink(h.pending);
  }
  if (fragments_returned_) {
    h.fragments.clear();
    shrink(h.fragments);
    fragments_returned_ = false;
  }
  // Nothing held any more: an idle reader keeps no block.
  if (h.pending.empty() && h.fragments.empty() && !in_message_) held_.reset();
}

void reader::shrink(std::string& buffer) {
  // An idle connection should not keep the memory of the largest message it ever received.
  if (buffer.empty() && buffer.capacity() > 4096) std::string().swap(buffer);
}

reader::frame_result reader::take_frame(std::span<char>& data, message& out) {
  if (data.size() < 2) return frame_result::incomplete;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  const std::uint8_t op = b0 & opcode_bits;
  if (!is_known(op)) return fail(error::protocol);
  // RSV1 only when permessage-deflate is on, and only on the first frame of a data message
  // (RFC 7692 §6.1): never on a control frame or a continuation. RSV2 and RSV3: never.
  const std::uint8_t rsv = b0 & rsv_bits;
  const bool compressed = rsv == rsv1_bit;
  if (rsv != 0 && (!compressed || !compressed_allowed_ || is_control(op) ||
                   static_cast<opcode>(op) == opcode::continuation))
    return fail(error::protocol);
  const bool fin = (b0 & fin_bit) != 0;
  const bool masked = (b1 & mask_bit) != 0;
  if (masked != (role_ == role::server)) return fail(error::protocol);
  const std::uint64_t length7 = b1 & 0x7F;
  if (is_control(op) && (!fin || length7 > max_control_payload)) return fail(error::protocol);
  const auto sizes = read_frame_sizes(std::string_view(data.data(), data.size()));
  if (!sizes) return frame_result::incomplete;
  const std::uint64_t length = sizes->length;
  // The extended lengths must be the minimal encoding, and the 64-bit one below 2^63.
  if (length7 == 126 && length < 126) return fail(error::protocol);
  if (length7 == 127 && ((length >> 63) || length <= 0xFFFF)) return fail(error::protocol);
  // Enforce the size limit on the header alone, before a byte of the payload is held.
  if (!is_control(op)) {
    const std::uint64_t so_far = in_message_ ? held_->fragments.size() : 0;
    if (length > max_message_ || so_far + length > max_message_) return fail(error::too_big);
  }
  const std::size_t header = sizes->header;
  std::uint8_t mask[4] = {0, 0, 0, 0};
  if (masked) std::memcpy(mask, data.data() + header - 4, 4);
  if (data.size() - header < length) return frame_result::incomplete;

  std::span<char> payload = data.subspan(header, static_cast<std::size_t>(length));
  if (masked) apply_mask(payload, mask);
  data = data.subspan(header + static_cast<std::size_t>(length));
  const std::string_view view(payload.data(), payload.size());

  if (is_control(op)) {
    if (static_cast<opcode>(op) == opcode::close && !valid_close_payload(view)) {
      return fail(error::protocol);
    }
    out.op = static_cast<opcode>(op);
    out.compressed = false;
    out.payload = view;
    return frame_result::message;
  }
  if (static_cast<opcode>(op) == opcode::continuation) {
    if (!in_message_) return fail(error::protocol);
    auto& fragments = held_->fragments;  // in_message_: held_ was made with the first fragment
    fragments.append(view);
    if (!fin) return frame_result::fragment;
    in_message_ = false;
    if (message_op_ == opcode::text && !message_compressed_ &&
        !simdjson::validate_utf8(fragments.data(), fragments.size()))
      return fail(error::bad_utf8);
    out.op = message_op_;
    out.compressed = message_compressed_;
    out.payload = fragments;
    fragments_returned_ = true;  // the view must stay valid until the next call
    return frame_result::message;
  }
  // text or binary
  if (in_message_) return fail(error::protocol);
  if (!fin) {
    in_message_ = true;
    message_op_ = static_cast<opcode>(op);
    message_compressed_ = compressed;
    hold().fragments.assign(view);
    return frame_result::fragment;
  }
  if (static_cast<opcode>(op) == opcode::text && !compressed &&
      !simdjson::validate_utf8(view.data(), view.size()))
    return fail(error::bad_utf8);
  out.op = static_cast<opcode>(op);
  out.compressed = compressed;
  out.payload = view;
  return frame_result::message;
}

}  // namespace txrt::protocol::ws
