// server/engine/compression: a shared packet is compressed once, only when some session
// negotiated permessage-deflate, only over the threshold, and only when that makes it smaller;
// the compressed frame is a whole RSV1 frame that inflates back to the packet.
#include "server/engine/compression.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "protocol/websocket/permessage_deflate.hpp"

using namespace txrt;

namespace {

std::string repetitive(std::size_t n) {
  std::string s = "42[\"CALL\",{\"records\":[";
  while (s.size() < n) s += "{\"extension\":\"1001\",\"state\":\"IDLE\"},";
  return s;
}

struct deflate_session {
  deflate_session() { engine::count_deflate_session(+1); }
  ~deflate_session() { engine::count_deflate_session(-1); }
};

}  // namespace

TEST_CASE("deflate_once: nothing while no session negotiated compression", "[engine][deflate]") {
  auto packet = engine::make_text_frame(repetitive(2000));
  engine::deflate_once(packet, {true, 256});
  CHECK_FALSE(packet.deflate_tried);
  CHECK_FALSE(packet.deflated);
}

TEST_CASE("deflate_once: a compressed whole frame, once, that inflates back", "[engine][deflate]") {
  deflate_session session;
  const auto text = repetitive(2000);
  auto packet = engine::make_text_frame(text);
  engine::deflate_once(packet, {true, 256});
  REQUIRE(packet.deflate_tried);
  REQUIRE(packet.deflated);
  const auto& frame = *packet.deflated;
  CHECK(static_cast<unsigned char>(frame[0]) == 0xC1);  // FIN + RSV1 + text
  CHECK(frame.size() * 4 < packet.bytes->size());
  protocol::ws::inflater in;
  std::string out;
  REQUIRE(in.inflate(std::string_view(frame).substr(packet.deflated_header), 1 << 20, out) ==
          protocol::ws::inflater::result::ok);
  CHECK(out == text);
  // Decided: a second call does nothing.
  const auto before = packet.deflated;
  engine::deflate_once(packet, {true, 256});
  CHECK(packet.deflated == before);
}

TEST_CASE("deflate_once: off, under the threshold, or not smaller: sent as it is",
          "[engine][deflate]") {
  deflate_session session;
  auto off = engine::make_text_frame(repetitive(2000));
  engine::deflate_once(off, {false, 256});
  CHECK_FALSE(off.deflated);

  auto small = engine::make_text_frame(repetitive(100));
  engine::deflate_once(small, {true, 256});
  CHECK(small.deflate_tried);
  CHECK_FALSE(small.deflated);

  std::string noise = "4";
  std::uint32_t x = 12345;
  for (int i = 0; i < 600; ++i) {
    x = x * 1103515245u + 12345u;
    noise.push_back(static_cast<char>(x >> 24));  // incompressible bytes
  }
  auto random = engine::make_text_frame(noise);
  engine::deflate_once(random, {true, 256});
  CHECK(random.deflate_tried);
  CHECK_FALSE(random.deflated);
}
