// protocol/websocket/permessage_deflate and the reader's RSV rules: the negotiation (offers
// with parameters, several offers, garbage), compress / inflate round trips, the 00 00 ff ff
// tail, the inflate bound (a decompression bomb), corrupt data, and RSV1/RSV2/RSV3 in frames.
#include "protocol/websocket/permessage_deflate.hpp"

#include <catch2/catch.hpp>

#include <span>
#include <string>

using namespace txrt::protocol::ws;

namespace {

const std::uint8_t test_mask[4] = {0x12, 0x34, 0x56, 0x78};
const std::string answer =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

std::string bytes(std::initializer_list<unsigned> list) {
  std::string s;
  for (auto b : list) s.push_back(static_cast<char>(b));
  return s;
}

std::string client_frame(std::uint8_t b0, std::string_view payload) {
  std::uint8_t header[max_header_size];
  auto n = encode_header(header, static_cast<opcode>(b0 & 0x0F), payload.size(), test_mask);
  header[0] = b0;
  std::string body(payload);
  apply_mask(std::span<char>(body.data(), body.size()), test_mask);
  return std::string(reinterpret_cast<const char*>(header), n) + body;
}

struct one_read {
  reader::status status;
  reader::message message;
  error failure;
  std::string payload;
};

// Reads `wire` whole with a reader that has (or not) permessage-deflate; the first outcome.
one_read read_one(std::string wire, bool deflate) {
  reader r(reader::role::server, 1 << 20);
  r.allow_compressed(deflate);
  std::span<char> input(wire.data(), wire.size());
  one_read out{};
  out.status = r.next(input, out.message);
  out.failure = r.failure();
  out.payload = std::string(out.message.payload);
  return out;
}

}  // namespace

TEST_CASE("permessage-deflate negotiation: acceptable offers", "[ws][deflate]") {
  CHECK(negotiate_deflate("permessage-deflate") == answer);
  // What ws (Node) and browsers offer.
  CHECK(negotiate_deflate("permessage-deflate; client_max_window_bits") == answer);
  CHECK(negotiate_deflate("permessage-deflate; client_max_window_bits=10") == answer);
  CHECK(negotiate_deflate("Permessage-Deflate ;  Server_No_Context_Takeover") == answer);
  CHECK(negotiate_deflate(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover") ==
        answer);
  // Accepting server_max_window_bits means answering it.
  CHECK(negotiate_deflate("permessage-deflate; server_max_window_bits=15") ==
        answer + "; server_max_window_bits=15");
  CHECK(negotiate_deflate("permessage-deflate; server_max_window_bits=\"15\"") ==
        answer + "; server_max_window_bits=15");
}

TEST_CASE("permessage-deflate negotiation: several offers, the first acceptable wins",
          "[ws][deflate]") {
  CHECK(negotiate_deflate("permessage-deflate; server_max_window_bits=10, permessage-deflate") ==
        answer);
  CHECK(negotiate_deflate("x-webkit-deflate-frame, permessage-deflate; client_max_window_bits") ==
        answer);
  CHECK(
      negotiate_deflate("permessage-deflate; foo, permessage-deflate; server_max_window_bits=15") ==
      answer + "; server_max_window_bits=15");
}

TEST_CASE("permessage-deflate negotiation: declined offers and garbage", "[ws][deflate]") {
  for (const char* offer : {
           "",
           ",,,",
           ";;;",
           "x-webkit-deflate-frame",
           "permessage-deflat",
           "permessage-deflate-x",
           "permessage-deflate; server_max_window_bits=10",  // smaller than the shared window
           "permessage-deflate; server_max_window_bits=8",
           "permessage-deflate; server_max_window_bits",  // the value is required
           "permessage-deflate; server_max_window_bits=16",
           "permessage-deflate; server_max_window_bits=015",
           "permessage-deflate; server_max_window_bits=abc",
           "permessage-deflate; client_max_window_bits=7",
           "permessage-deflate; client_max_window_bits=16",
           "permessage-deflate; client_max_window_bits=\"\"",
           "permessage-deflate; server_no_context_takeover=1",
           "permessage-deflate; client_no_context_takeover=yes",
           "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
           "permessage-deflate; client_max_window_bits; client_max_window_bits=9",
           "permessage-deflate; unknown_param",
           "permessage-deflate; =",
       }) {
    INFO(offer);
    CHECK_FALSE(negotiate_deflate(offer).has_value());
  }
}

TEST_CASE("deflater: RFC 7692 §7.2.3.1 'Hello', the 00 00 ff ff tail removed", "[ws][deflate]") {
  deflater d;
  std::string out;
  REQUIRE(d.compress("Hello", out));
  CHECK(out == bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  // No context takeover: the same message compresses to the same bytes every time.
  std::string again;
  REQUIRE(d.compress("Hello", again));
  CHECK(again == out);
}

TEST_CASE("inflater: RFC 7692 examples, with and without the sender's tail", "[ws][deflate]") {
  inflater in;
  std::string out;
  CHECK(in.inflate(bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), 100, out) ==
        inflater::result::ok);
  CHECK(out == "Hello");
  // §7.2.3.3: an uncompressed (stored) block.
  CHECK(in.inflate(bytes({0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}), 100,
                   out) == inflater::result::ok);
  CHECK(out == "Hello");
  // §7.2.3.4: a final block (BFINAL set); what follows it is ignored.
  CHECK(in.inflate(bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}), 100, out) ==
        inflater::result::ok);
  CHECK(out == "Hello");
  // A sender that left 00 00 ff ff on: one more empty stored block, harmless.
  CHECK(in.inflate(bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff}), 100,
                   out) == inflater::result::ok);
  CHECK(out == "Hello");
  // An empty message.
  deflater d;
  std::string empty;
  REQUIRE(d.compress("", empty));
  CHECK(in.inflate(empty, 100, out) == inflater::result::ok);
  CHECK(out.empty());
}

TEST_CASE("deflate / inflate round trip, messages of every size", "[ws][deflate]") {
  deflater d;
  inflater in;
  for (std::size_t size : {1u, 100u, 4095u, 4096u, 4097u, 70000u, 1u << 20}) {
    std::string message;
    for (std::size_t i = 0; i < size; ++i)
      message.push_back(
          static_cast<char>("{\"event\":\"CALL_START\",\"n\":"[i % 26] + (i / 4096) % 3));
    std::string packed, unpacked;
    REQUIRE(d.compress(message, packed));
    CHECK_FALSE(
        (packed.size() >= 4 && packed.substr(packed.size() - 4) == bytes({0, 0, 0xff, 0xff})));
    REQUIRE(in.inflate(packed, size, unpacked) == inflater::result::ok);
    CHECK(unpacked == message);
    if (size > 1000) CHECK(packed.size() * 4 < size);
  }
}

TEST_CASE("inflate bound: a decompression bomb stops at max_size", "[ws][deflate]") {
  deflater d;
  inflater in;
  const std::string zeros(10 * 1000 * 1000, '\0');
  std::string bomb, out;
  REQUIRE(d.compress(zeros, bomb));
  CHECK(bomb.size() < 20000);
  CHECK(in.inflate(bomb, 1000000, out) == inflater::result::too_big);
  CHECK(out.empty());
  CHECK(in.inflate(bomb, zeros.size() - 1, out) == inflater::result::too_big);
  CHECK(in.inflate(bomb, zeros.size(), out) == inflater::result::ok);
  CHECK(out == zeros);
  // The inflater is reusable after a bomb.
  CHECK(in.inflate(bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), 5, out) ==
        inflater::result::ok);
  CHECK(out == "Hello");
  CHECK(in.inflate(bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), 4, out) ==
        inflater::result::too_big);
}

TEST_CASE("inflate: corrupt data is bad_data (1007)", "[ws][deflate]") {
  inflater in;
  std::string out;
  CHECK(in.inflate(bytes({0xff, 0xff, 0xff, 0xff}), 100, out) == inflater::result::bad_data);
  CHECK(in.inflate(bytes({0x07}), 100, out) == inflater::result::bad_data);  // reserved block type
  CHECK(close_code(error::bad_data) == 1007);
  CHECK_FALSE(describe(error::bad_data).empty());
}

TEST_CASE("inflate_message: bound, UTF-8 after inflating, plain messages untouched",
          "[ws][deflate]") {
  deflater d;
  inflater in;
  std::string buffer, packed;
  REQUIRE(d.compress("4hello", packed));
  reader::message m{opcode::text, packed, true};
  CHECK(inflate_message(in, m, 100, buffer) == error::none);
  CHECK(m.payload == "4hello");
  CHECK_FALSE(m.compressed);

  REQUIRE(d.compress(bytes({0xc3, 0x28}), packed));  // not UTF-8
  reader::message bad{opcode::text, packed, true};
  CHECK(inflate_message(in, bad, 100, buffer) == error::bad_utf8);
  reader::message binary{opcode::binary, packed, true};
  CHECK(inflate_message(in, binary, 100, buffer) == error::none);

  REQUIRE(d.compress(std::string(5000, 'a'), packed));
  reader::message big{opcode::text, packed, true};
  CHECK(inflate_message(in, big, 4999, buffer) == error::too_big);

  reader::message plain{opcode::text, "4plain", false};
  CHECK(inflate_message(in, plain, 100, buffer) == error::none);
  CHECK(plain.payload == "4plain");
}

TEST_CASE("reader: RSV1 only when negotiated, only on a data message's first frame",
          "[ws][deflate]") {
  deflater d;
  std::string packed;
  REQUIRE(d.compress("4hello", packed));

  // Not negotiated: RSV1 is a protocol error (1002), as before.
  auto r = read_one(client_frame(0xC1, packed), false);
  CHECK(r.status == reader::status::failed);
  CHECK(r.failure == error::protocol);

  // Negotiated: a compressed message, its payload as sent (not UTF-8 checked yet).
  r = read_one(client_frame(0xC1, packed), true);
  REQUIRE(r.status == reader::status::message);
  CHECK(r.message.compressed);
  CHECK(r.payload == packed);
  r = read_one(client_frame(0xC1, bytes({0xff, 0xfe})), true);
  CHECK(r.status == reader::status::message);
  r = read_one(client_frame(0x81, "4plain"), true);
  REQUIRE(r.status == reader::status::message);
  CHECK_FALSE(r.message.compressed);

  // RSV2, RSV3, RSV1 with another: never.
  for (std::uint8_t b0 : {0xA1, 0x91, 0xE1, 0xD1, 0xF1}) {
    INFO(int(b0));
    r = read_one(client_frame(b0, "4x"), true);
    CHECK(r.status == reader::status::failed);
    CHECK(r.failure == error::protocol);
  }
  // RSV1 on a control frame.
  for (std::uint8_t b0 : {0xC9, 0xCA, 0xC8}) {
    r = read_one(client_frame(b0, ""), true);
    CHECK(r.status == reader::status::failed);
    CHECK(r.failure == error::protocol);
  }
}

TEST_CASE("reader: a fragmented compressed message; RSV1 on a continuation is refused",
          "[ws][deflate]") {
  deflater d;
  std::string packed;
  REQUIRE(d.compress("4a fragmented compressed message", packed));
  const auto half = packed.size() / 2;

  auto r = read_one(
      client_frame(0x41, packed.substr(0, half)) + client_frame(0x80, packed.substr(half)), true);
  REQUIRE(r.status == reader::status::message);
  CHECK(r.message.compressed);
  CHECK(r.payload == packed);
  inflater in;
  std::string buffer;
  r.message.payload = r.payload;  // the reader that held it is gone
  CHECK(inflate_message(in, r.message, 100, buffer) == error::none);
  CHECK(r.message.payload == "4a fragmented compressed message");

  r = read_one(client_frame(0x41, packed.substr(0, half)) + client_frame(0xC0, packed.substr(half)),
               true);
  CHECK(r.status == reader::status::failed);
  CHECK(r.failure == error::protocol);

  // A ping between the fragments does not change the message's flag.
  r = read_one(client_frame(0x01, "4ab") + client_frame(0x89, "") + client_frame(0x80, "c"), true);
  REQUIRE(r.status == reader::status::message);
  CHECK(r.message.op == opcode::ping);
}

TEST_CASE("encode_frame: RSV1 set on a compressed server frame", "[ws][deflate]") {
  const auto f = encode_frame(opcode::text, "abc", true);
  CHECK(f == bytes({0xC1, 0x03}) + "abc");
  CHECK(encode_frame(opcode::text, "abc") == bytes({0x81, 0x03}) + "abc");
}
