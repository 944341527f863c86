// protocol/websocket/frame: exact header bytes, masked client frames read back at every split
// point, fragmentation, control frames, and each malformed input with its close code.
#include "protocol/websocket/frame.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace txrt::protocol::ws;

namespace {

const std::uint8_t test_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

// A client frame: masked, with raw first byte `b0` (FIN/RSV/opcode) so that bad bits can be set.
std::string client_frame(std::uint8_t b0, std::string_view payload, bool masked = true) {
  std::uint8_t header[max_header_size];
  auto n = encode_header(header, static_cast<opcode>(b0 & 0x0F), payload.size(),
                         masked ? test_mask : nullptr);
  header[0] = b0;
  std::string frame(reinterpret_cast<const char*>(header), n);
  std::string body(payload);
  if (masked) apply_mask(std::span<char>(body.data(), body.size()), test_mask);
  return frame + body;
}

struct read_out {
  std::vector<std::pair<opcode, std::string>> messages;
  reader::status last = reader::status::need_more;
  error failure = error::none;
};

// Feeds `wire` in chunks of `chunk` bytes (0: all at once) and collects every message.
read_out read_all(std::string wire, std::size_t chunk, std::uint64_t max = 1 << 20,
                  reader::role role = reader::role::server) {
  reader r(role, max);
  read_out out;
  std::size_t pos = 0;
  while (pos < wire.size()) {
    const auto n = chunk == 0 ? wire.size() - pos : std::min(chunk, wire.size() - pos);
    std::string piece = wire.substr(pos, n);  // a fresh buffer each time, like a socket read
    pos += n;
    std::span<char> input(piece.data(), piece.size());
    for (;;) {
      reader::message m;
      out.last = r.next(input, m);
      if (out.last == reader::status::message) {
        out.messages.emplace_back(m.op, std::string(m.payload));
        continue;
      }
      if (out.last == reader::status::failed) {
        out.failure = r.failure();
        return out;
      }
      REQUIRE(input.empty());
      break;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("server headers use the shortest length form", "[ws][frame]") {
  std::uint8_t h[max_header_size];
  CHECK(encode_header(h, opcode::text, 5) == 2);
  CHECK(h[0] == 0x81);
  CHECK(h[1] == 5);
  CHECK(encode_header(h, opcode::binary, 125) == 2);
  CHECK(h[1] == 125);
  CHECK(encode_header(h, opcode::text, 126) == 4);
  CHECK(h[1] == 126);
  CHECK(h[2] == 0);
  CHECK(h[3] == 126);
  CHECK(encode_header(h, opcode::text, 65535) == 4);
  CHECK(encode_header(h, opcode::text, 65536) == 10);
  CHECK(h[1] == 127);
  CHECK(h[7] == 1);
  CHECK(h[9] == 0);
  CHECK(encode_header(h, opcode::text, 5, test_mask) == 6);
  CHECK(h[1] == (0x80 | 5));
  CHECK(h[2] == 0x37);

  const auto frame = encode_frame(opcode::text, "42[\"PBX\",{}]");
  CHECK(frame == std::string("\x81\x0c") + "42[\"PBX\",{}]");
}

TEST_CASE("masked client frames read back whole at every split point", "[ws][frame]") {
  const std::string big(70000, 'x');
  const std::string wire = client_frame(0x81, "4hello") + client_frame(0x82, std::string("\0\1\2", 3)) +
                           client_frame(0x89, "ping!") + client_frame(0x81, std::string(300, 'y')) +
                           client_frame(0x81, big);
  for (std::size_t chunk : {0, 1, 2, 3, 7, 13, 64, 1000}) {
    INFO("chunk " << chunk);
    const auto out = read_all(wire, chunk);
    REQUIRE(out.failure == error::none);
    REQUIRE(out.messages.size() == 5);
    CHECK(out.messages[0] == std::pair{opcode::text, std::string("4hello")});
    CHECK(out.messages[1] == std::pair{opcode::binary, std::string("\0\1\2", 3)});
    CHECK(out.messages[2] == std::pair{opcode::ping, std::string("ping!")});
    CHECK(out.messages[3].second == std::string(300, 'y'));
    CHECK(out.messages[4].second == big);
  }
}

TEST_CASE("fragments are joined and control frames may come between them", "[ws][frame]") {
  const std::string wire = client_frame(0x01, "4hel") + client_frame(0x8A, "") +
                           client_frame(0x00, "lo ") + client_frame(0x80, "world");
  for (std::size_t chunk : {0, 1, 5}) {
    const auto out = read_all(wire, chunk);
    REQUIRE(out.failure == error::none);
    REQUIRE(out.messages.size() == 2);
    CHECK(out.messages[0].first == opcode::pong);
    CHECK(out.messages[1] == std::pair{opcode::text, std::string("4hello world")});
  }
}

TEST_CASE("an idle reader holds nothing; a partial frame is kept until complete", "[ws][frame]") {
  reader r(reader::role::server, 1000);
  CHECK(r.idle());
  std::string wire = client_frame(0x81, "4abc");
  std::string first = wire.substr(0, 3), rest = wire.substr(3);
  std::span<char> in1(first.data(), first.size());
  reader::message m;
  CHECK(r.next(in1, m) == reader::status::need_more);
  CHECK_FALSE(r.idle());
  CHECK(r.held_bytes() == 3);
  std::span<char> in2(rest.data(), rest.size());
  REQUIRE(r.next(in2, m) == reader::status::message);
  CHECK(m.payload == "4abc");
  std::span<char> none;
  CHECK(r.next(none, m) == reader::status::need_more);
  CHECK(r.idle());
}

TEST_CASE("malformed client streams fail with the right close code", "[ws][frame]") {
  struct bad_case {
    const char* what;
    std::string wire;
    error expected;
  };
  const std::vector<bad_case> cases = {
      {"unmasked client frame", client_frame(0x81, "4x", false), error::protocol},
      {"reserved bit 1", client_frame(0xC1, "4x"), error::protocol},
      {"reserved bit 3", client_frame(0x91, "4x"), error::protocol},
      {"unknown data opcode", client_frame(0x83, "4x"), error::protocol},
      {"unknown control opcode", client_frame(0x8B, "x"), error::protocol},
      {"control frame over 125 bytes", client_frame(0x89, std::string(126, 'p')), error::protocol},
      {"fragmented control frame", client_frame(0x09, "p"), error::protocol},
      {"continuation without a start", client_frame(0x80, "x"), error::protocol},
      {"new message inside a fragmented one",
       client_frame(0x01, "a") + client_frame(0x81, "b"), error::protocol},
      {"invalid UTF-8 text", client_frame(0x81, "4\xff\xfe"), error::bad_utf8},
      {"invalid UTF-8 across fragments", client_frame(0x01, "4\xe2\x82") + client_frame(0x80, "\x41"),
       error::bad_utf8},
      {"message over the limit", client_frame(0x81, std::string(2000, 'z')), error::too_big},
      {"fragments over the limit",
       client_frame(0x01, std::string(600, 'z')) + client_frame(0x80, std::string(600, 'z')),
       error::too_big},
      {"close frame with a 1-byte payload", client_frame(0x88, "x"), error::protocol},
      {"close frame with code 1005", client_frame(0x88, close_payload(1005)), error::protocol},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    for (std::size_t chunk : {0, 1}) {
      const auto out = read_all(c.wire, chunk, 1000);
      CHECK(out.last == reader::status::failed);
      CHECK(out.failure == c.expected);
    }
  }
  CHECK(close_code(error::protocol) == 1002);
  CHECK(close_code(error::bad_utf8) == 1007);
  CHECK(close_code(error::too_big) == 1009);
}

TEST_CASE("the size limit is enforced from the header, before the payload arrives", "[ws][frame]") {
  reader r(reader::role::server, 100);
  std::uint8_t header[max_header_size];
  auto n = encode_header(header, opcode::binary, 1ull << 40, test_mask);
  std::string wire(reinterpret_cast<const char*>(header), n);
  std::span<char> in(wire.data(), wire.size());
  reader::message m;
  CHECK(r.next(in, m) == reader::status::failed);
  CHECK(r.failure() == error::too_big);
}

TEST_CASE("the client role reads unmasked server frames and refuses masked ones", "[ws][frame]") {
  const auto good = read_all(encode_frame(opcode::text, "42[\"PBX\",{}]") +
                                 encode_frame(opcode::text, std::string(200, 'a')),
                             3, 1 << 20, reader::role::client);
  REQUIRE(good.messages.size() == 2);
  CHECK(good.messages[0].second == "42[\"PBX\",{}]");
  const auto bad = read_all(client_frame(0x81, "x"), 0, 1 << 20, reader::role::client);
  CHECK(bad.failure == error::protocol);
}

TEST_CASE("masking at an offset continues the key where it stopped", "[ws][frame]") {
  std::string data = "abcdefghijklmnopqrstu";
  std::string whole = data;
  apply_mask(std::span<char>(whole.data(), whole.size()), test_mask);
  std::string parts = data;
  apply_mask(std::span<char>(parts.data(), 5), test_mask, 0);
  apply_mask(std::span<char>(parts.data() + 5, parts.size() - 5), test_mask, 5);
  CHECK(parts == whole);
}

TEST_CASE("a held partial frame takes only what it lacks from a large read", "[ws][frame]") {
  // Otherwise every message after a split frame would be parsed from (and erased out of) a
  // copy of the whole read: quadratic in the size of a burst.
  reader r(reader::role::server, 1 << 20);
  const std::string first = client_frame(0x81, "4first");
  std::string burst;
  for (int i = 0; i < 1000; ++i) burst += client_frame(0x81, "4m");
  std::string head = first.substr(0, 3);
  std::string rest = first.substr(3) + burst;
  std::span<char> in1(head.data(), head.size());
  reader::message m;
  REQUIRE(r.next(in1, m) == reader::status::need_more);
  std::span<char> in2(rest.data(), rest.size());
  REQUIRE(r.next(in2, m) == reader::status::message);
  CHECK(m.payload == "4first");
  CHECK(r.held_bytes() <= max_header_size);
  CHECK(in2.size() + max_header_size >= burst.size());
  int count = 0;
  for (;;) {
    const auto s = r.next(in2, m);
    if (s != reader::status::message) {
      CHECK(s == reader::status::need_more);
      break;
    }
    CHECK(m.payload == "4m");
    CHECK(r.held_bytes() <= max_header_size);
    ++count;
  }
  CHECK(count == 1000);
  CHECK(r.idle());
}

TEST_CASE("a split control frame longer than a small message limit is still read", "[ws][frame]") {
  // Found by fuzz_ws_frame: control frames are bounded at 125 bytes, not by the message limit.
  const auto out = read_all(client_frame(0x89, std::string(125, 'p')) + client_frame(0x81, "4x"), 7, 32);
  REQUIRE(out.failure == error::none);
  REQUIRE(out.messages.size() == 2);
  CHECK(out.messages[0].first == opcode::ping);
  CHECK(out.messages[1].second == "4x");
}
