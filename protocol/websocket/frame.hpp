#pragma once
// RFC 6455 framing after the opening handshake: frame headers out, a message reader in.
// Pure: no I/O, no clock. txrt owns the framing (Beast only answers the upgrade) so that a
// frame built once for a broadcast can be written to every subscriber as the same bytes, and
// every frame queued on a socket can go out in one gathered write.
// The one extension is permessage-deflate (permessage_deflate.hpp): once negotiated, RSV1 marks
// the first frame of a compressed message; every other RSV bit must be zero.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace txrt::protocol::ws {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// The longest header: 2 bytes + 8 bytes of extended length + 4 bytes of mask.
inline constexpr std::size_t max_header_size = 14;
// Server frames are never masked: at most 10 bytes.
inline constexpr std::size_t max_server_header_size = 10;
// RSV1 in the first header byte: "this message is compressed" (RFC 7692 §6).
inline constexpr std::uint8_t rsv1_bit = 0x40;

// Writes the header of one final (FIN) frame carrying `payload_size` bytes into `out`
// (room for max_header_size) and returns its length. With `mask` (the client role), the
// mask bit and key are written too; the caller masks the payload with apply_mask.
std::size_t encode_header(std::uint8_t* out, opcode op, std::uint64_t payload_size,
                          const std::uint8_t* mask = nullptr) noexcept;

// A whole unmasked frame (header + payload), as a server sends it; with `compressed`, RSV1 is
// set (the payload is then a permessage-deflate message).
std::string encode_frame(opcode op, std::string_view payload, bool compressed = false);
// The same, the payload given in parts written one after another (one allocation, no joined
// copy first): an event's frame is its packet's fixed pieces around the publisher's bytes.
std::string encode_frame(opcode op, std::span<const std::string_view> payload_parts,
                         bool compressed = false);

// XORs `bytes` with the 4-byte `mask`, starting at key byte `offset % 4`.
void apply_mask(std::span<char> bytes, const std::uint8_t mask[4], std::size_t offset = 0) noexcept;

// Why a stream is refused; each maps to the close code sent before the TCP close.
enum class error : std::uint8_t {
  none,
  protocol,         // 1002: reserved bits, unknown opcode, bad masking, bad fragmentation,
                    //       control frame too long or fragmented, bad close payload
  too_big,          // 1009: a message over the limit
  bad_utf8,         // 1007: a text message that is not UTF-8
  bad_data,         // 1007: a compressed message that does not inflate (as ws and browsers)
};
std::uint16_t close_code(error e) noexcept;
std::string_view describe(error e) noexcept;

// The payload of a close frame with `code` and no reason.
std::string close_payload(std::uint16_t code);

// Reads frames from a byte stream and yields whole messages (fragments joined) and control
// frames. Input is consumed from a span the caller owns and may be unmasked in place, so a
// frame that arrives whole is never copied; only a partial frame or a fragmented message is
// kept here, and an idle reader holds no buffer at all.
class reader {
 public:
  enum class role : std::uint8_t {
    server,  // reads a client's frames: every frame must be masked
    client,  // reads a server's frames: no frame may be masked
  };

  struct message {
    opcode op = opcode::text;  // text, binary, close, ping or pong; never continuation
    std::string_view payload;  // valid until the next call to next()
    // RSV1 was set: the payload is deflated (not yet checked as UTF-8); inflate_message
    // (permessage_deflate.hpp) makes it an ordinary message.
    bool compressed = false;
  };

  enum class status : std::uint8_t { message, need_more, failed };

  reader(role r, std::uint64_t max_message) noexcept : max_message_(max_message), role_(r) {}

  // Consumes bytes from the front of `input` (advancing it) until one message is complete
  // (status::message, `out` filled), the input is used up (status::need_more: every byte is
  // kept), or the stream is invalid (status::failed: see failure(); do not call again).
  status next(std::span<char>& input, message& out);

  // permessage-deflate was negotiated: RSV1 is allowed on the first frame of a data message.
  void allow_compressed(bool on) noexcept { compressed_allowed_ = on; }

  error failure() const noexcept { return failure_; }
  // True when no partial frame or message is held.
  bool idle() const noexcept {
    return (!held_ || (held_->pending.empty() && held_->fragments.empty())) && !in_message_;
  }
  // Bytes currently held (partial frames and fragments).
  std::size_t held_bytes() const noexcept {
    return held_ ? held_->pending.size() + held_->fragments.size() : 0;
  }

 private:
  enum class frame_result : std::uint8_t { message, fragment, incomplete, failed };
  frame_result fail(error e) noexcept;
  // Parses one frame at the front of `data`, advancing it unless the frame is incomplete.
  frame_result take_frame(std::span<char>& data, message& out);
  void release_returned();
  // The size of the frame that starts with `head` (header + payload), or 0 while its header
  // is incomplete.
  std::size_t whole_frame_size(std::string_view head) const noexcept;
  // Moves from `input` into the held pending bytes only the bytes the held frame still lacks.
  void top_up(std::span<char>& input);
  static void shrink(std::string& buffer);

  // What a reader holds between reads, made when a frame arrives in pieces or a message in
  // fragments and let go once nothing is held: a reader per connection, and an idle one should
  // carry a pointer here rather than two empty strings and a count (64 bytes).
  struct held {
    std::string pending;        // bytes of an incomplete frame
    std::size_t pending_used = 0;
    std::string fragments;      // the data of a fragmented message so far
  };
  held& hold();

  // The words first, then the bytes together (one reader per connection: no padding).
  std::uint64_t max_message_;
  std::unique_ptr<held> held_;  // null when nothing is held
  role role_;
  opcode message_op_ = opcode::text;
  bool in_message_ = false;    // a fragmented message is open
  bool fragments_returned_ = false;
  bool compressed_allowed_ = false;
  bool message_compressed_ = false;  // the open fragmented message had RSV1
  error failure_ = error::none;
};

}  // namespace txrt::protocol::ws
