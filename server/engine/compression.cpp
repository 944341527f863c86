#include "server/engine/compression.hpp"

#include <atomic>
#include <memory>
#include <string>

#include "protocol/websocket/permessage_deflate.hpp"

namespace txrt::engine {

namespace ws = protocol::ws;

namespace {

// One compressor per thread: every transport of a loop lives on that loop's thread, and a
// message is compressed whole before the next, so one zlib stream (~256 KiB, made on first
// use) serves the loop's every connection.
struct deflate_scratch {
  ws::deflater deflater;
  std::string out;
};

deflate_scratch& this_thread() {
  thread_local auto scratch = std::make_unique<deflate_scratch>();
  return *scratch;
}

// Relaxed: it only decides whether compressing an event can be useful; it changes once per
// connection, never per message.
std::atomic<std::int64_t> deflate_sessions{0};

}  // namespace

std::optional<std::string> answer_deflate_offers(const boost::beast::http::fields& request,
                                                 const compression_options& options) {
  if (!options.enabled) return std::nullopt;
  std::string offers;
  const auto [first, last] =
      request.equal_range(boost::beast::http::field::sec_websocket_extensions);
  for (auto f = first; f != last; ++f) {
    if (!offers.empty()) offers += ", ";
    offers.append(f->value());
  }
  if (offers.empty()) return std::nullopt;
  return ws::negotiate_deflate(offers);
}

void count_deflate_session(int delta) noexcept {
  deflate_sessions.fetch_add(delta, std::memory_order_relaxed);
}

shared_bytes deflated_frame(ws::opcode op, std::string_view payload, std::uint8_t& header_size) {
  auto& s = this_thread();
  if (!s.deflater.compress(payload, s.out)) return nullptr;
  std::uint8_t header[ws::max_header_size];
  const auto n = ws::encode_header(header, op, s.out.size());
  // Not worth it unless the frame, header included, is smaller than the uncompressed one.
  if (n + s.out.size() >= ws::encode_header(header, op, payload.size()) + payload.size())
    return nullptr;
  auto frame = ws::encode_frame(op, s.out, /*compressed=*/true);
  header_size = static_cast<std::uint8_t>(frame.size() - s.out.size());
  return make_shared_bytes(std::move(frame));
}

void deflate_once(outgoing& packet, const compression_options& options) {
  if (packet.deflate_tried || !options.enabled) return;
  if (deflate_sessions.load(std::memory_order_relaxed) <= 0) return;
  packet.deflate_tried = true;
  // Text only: a v2 (Engine.IO v3) session frames binary packets differently.
  if (packet.binary) return;
  const auto payload = packet.packet();
  if (payload.size() < options.threshold) return;
  packet.deflated = deflated_frame(ws::opcode::text, payload, packet.deflated_header);
}

}  // namespace txrt::engine
