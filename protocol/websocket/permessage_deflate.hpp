#pragma once
// permessage-deflate (RFC 7692): the negotiation, and one message compressed or inflated.
// Pure: no I/O, no clock. protocol/websocket/permessage_deflate.cpp is the only file that
// knows zlib.
//
// What txrt agrees to: `permessage-deflate; server_no_context_takeover;
// client_no_context_takeover`. No context is carried from one message to the next in either
// direction, so a connection holds no zlib state at all (a deflate stream costs ~256 KiB): the
// compressor and the inflater belong to the loop, and a server message is compressed once
// and its bytes shared by every subscriber.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/websocket/frame.hpp"

struct z_stream_s;

namespace txrt::protocol::ws {

// Reads the Sec-WebSocket-Extensions offers of a client (every header line joined with ", ")
// and returns the value of the server's answer, or nullopt to decline the extension.
// The first acceptable permessage-deflate offer wins; an offer is acceptable when its
// parameters are the RFC's four, each at most once and well-formed, and server_max_window_bits
// is absent or 15 (txrt compresses with the full window, once for every subscriber).
// client_max_window_bits is a hint only: txrt inflates with a 15-bit window, which reads any.
std::optional<std::string> negotiate_deflate(std::string_view offers);

// Compresses one message (raw deflate, fresh context, Z_SYNC_FLUSH, the trailing 00 00 ff ff
// removed, RFC 7692 §7.2.1). Reusable; the zlib stream is made on first use.
class deflater {
 public:
  deflater() noexcept;
  ~deflater();
  deflater(const deflater&) = delete;
  deflater& operator=(const deflater&) = delete;

  // Replaces `out` with the compressed form of `in`; false if zlib fails (out is then empty).
  bool compress(std::string_view in, std::string& out);

 private:
  std::unique_ptr<z_stream_s> z_;
};

// Inflates one message (RFC 7692 §7.2.2: 00 00 ff ff appended, fresh context) with a bound on
// the size it may grow to: a decompression bomb is stopped at `max_size` + 1 bytes.
class inflater {
 public:
  enum class result : std::uint8_t { ok, too_big, bad_data };

  inflater() noexcept;
  ~inflater();
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;

  // Replaces `out` with the inflated form of `in` (at most `max_size` bytes).
  result inflate(std::string_view in, std::uint64_t max_size, std::string& out);

 private:
  std::unique_ptr<z_stream_s> z_;
};

// Inflates a compressed message of the reader in place of its payload (into `buffer`, which
// `m.payload` then views) and validates it as the reader does an uncompressed one: more than
// `max_size` bytes inflated is error::too_big (1009), data that is not deflate is
// error::bad_data (1007, as ws and browsers answer), inflated text that is not UTF-8 is
// error::bad_utf8 (1007). A message that is not compressed is left alone.
error inflate_message(inflater& in, reader::message& m, std::uint64_t max_size,
                      std::string& buffer);

}  // namespace txrt::protocol::ws
