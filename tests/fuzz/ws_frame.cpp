// The WebSocket frame reader (protocol/websocket/frame.hpp), server role: what a client sends
// after the upgrade. Input: byte 0 picks the message limit, byte 1 seeds the split points, the
// rest is the byte stream. The stream is fed once split at pseudo-random points (1 byte to
// 256 bytes at a time) and once whole, each to its own reader on its own copy (the reader
// unmasks in place).
// Properties: both feeds yield the same messages and the same end (failed with the same error,
// or not failed); every message is text/binary/close/ping/pong, no longer than the limit, a
// control payload is at most 125 bytes, text is UTF-8, a close payload is not 1 byte long; a
// failure maps to 1002/1007/1009; an idle reader holds nothing.
// permessage-deflate: bit 0 of (byte 0 / 17) turns it on for both readers; a compressed message
// (RSV1) is then inflated (protocol/websocket/permessage_deflate.hpp) with the same limit, and
// the inflated message obeys the same properties (a bomb is too_big, corrupt data bad_data);
// without it, RSV1 must fail.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/websocket/frame.hpp"
#include "protocol/websocket/permessage_deflate.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace ws = txrt::protocol::ws;

namespace {

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

struct seen {
  ws::opcode op;
  std::string payload;
  bool operator==(const seen&) const = default;
};

struct outcome {
  std::vector<seen> messages;
  bool failed = false;
  ws::error error = ws::error::none;
};

void check_message(const ws::reader::message& m, std::uint64_t limit) {
  const bool control = m.op == ws::opcode::close || m.op == ws::opcode::ping ||
                       m.op == ws::opcode::pong;
  TXRT_FUZZ_CHECK(control || m.op == ws::opcode::text || m.op == ws::opcode::binary);
  if (control)
    TXRT_FUZZ_CHECK(m.payload.size() <= 125);
  else
    TXRT_FUZZ_CHECK(m.payload.size() <= limit);
  if (m.op == ws::opcode::text) TXRT_FUZZ_CHECK(valid_utf8(m.payload));
  if (m.op == ws::opcode::close) TXRT_FUZZ_CHECK(m.payload.size() != 1);
}

// Feeds `chunk` to `r`, recording into `out`. False once the reader failed (or a compressed
// message did not inflate).
bool feed(ws::reader& r, std::span<char> chunk, std::uint64_t limit, outcome& out) {
  static ws::inflater inflater;
  static std::string inflated;
  while (true) {
    ws::reader::message m;
    const auto before = chunk.size();
    auto st = r.next(chunk, m);
    TXRT_FUZZ_CHECK(chunk.size() <= before);
    ws::error inflate_error = ws::error::none;
    if (st == ws::reader::status::message && m.compressed) {
      TXRT_FUZZ_CHECK(m.op == ws::opcode::text || m.op == ws::opcode::binary);
      inflate_error = ws::inflate_message(inflater, m, limit, inflated);
      if (inflate_error != ws::error::none)
        st = ws::reader::status::failed;
      else
        TXRT_FUZZ_CHECK(!m.compressed);
    }
    if (st == ws::reader::status::failed) {
      out.failed = true;
      out.error = inflate_error != ws::error::none ? inflate_error : r.failure();
      TXRT_FUZZ_CHECK(out.error != ws::error::none);
      const auto code = ws::close_code(out.error);
      TXRT_FUZZ_CHECK(code == 1002 || code == 1007 || code == 1009);
      TXRT_FUZZ_CHECK(!ws::describe(out.error).empty());
      return false;
    }
    if (st == ws::reader::status::need_more) {
      TXRT_FUZZ_CHECK(chunk.empty());
      return true;
    }
    check_message(m, limit);
    out.messages.push_back({m.op, std::string(m.payload)});
    if (r.idle()) TXRT_FUZZ_CHECK(r.held_bytes() == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // Limits from 16 bytes to 1 MiB, small ones more often.
  const std::uint64_t limit = std::uint64_t{16} << (data[0] % 17);
  const bool deflate = ((data[0] / 17) & 1) != 0;
  std::uint32_t state = data[1] * 2654435761u + 1;
  const std::string stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  outcome split;
  {
    ws::reader r(ws::reader::role::server, limit);
    r.allow_compressed(deflate);
    std::string copy = stream;
    std::size_t pos = 0;
    while (pos < copy.size()) {
      state = state * 1103515245u + 12345u;
      const std::size_t n = 1 + ((state >> 16) % (1u << ((state >> 8) % 9)));
      const std::size_t take = std::min(n, copy.size() - pos);
      // Each chunk is its own buffer, as a socket read would be.
      std::string chunk = copy.substr(pos, take);
      pos += take;
      if (!feed(r, std::span<char>(chunk.data(), chunk.size()), limit, split)) break;
    }
  }

  outcome whole;
  {
    ws::reader r(ws::reader::role::server, limit);
    r.allow_compressed(deflate);
    std::string copy = stream;
    feed(r, std::span<char>(copy.data(), copy.size()), limit, whole);
  }

  TXRT_FUZZ_CHECK(split.messages == whole.messages);
  TXRT_FUZZ_CHECK(split.failed == whole.failed);
  if (split.failed) TXRT_FUZZ_CHECK(split.error == whole.error);

  // close_payload: a 2-byte big-endian code.
  const auto cp = ws::close_payload(1002);
  TXRT_FUZZ_CHECK(cp.size() == 2 && static_cast<unsigned char>(cp[0]) == 0x03 &&
                  static_cast<unsigned char>(cp[1]) == 0xEA);
  return 0;
}
