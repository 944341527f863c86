#include "server/engine/polling_transport.hpp"

#include "server/server_metrics.hpp"

namespace txrt::engine {

polling_transport::~polling_transport() {
  metrics::outbound_queue_bytes.get().dec(static_cast<std::int64_t>(queued_bytes_));
}

void polling_transport::add_queued(std::uint64_t n) noexcept {
  queued_bytes_ += n;
  metrics::outbound_queue_bytes.get().inc(static_cast<std::int64_t>(n));
}

void polling_transport::clear_queued() noexcept {
  metrics::outbound_queue_bytes.get().dec(static_cast<std::int64_t>(queued_bytes_));
  queued_bytes_ = 0;
}

// ---------------------------------------------------------------------------------------------
// The GET

void polling_transport::hold_get(std::uint64_t get_id, polling_responder respond) {
  pending_get_ = std::move(respond);
  pending_get_id_ = get_id;
}

bool polling_transport::drop_get(std::uint64_t get_id) noexcept {
  if (!pending_get_ || pending_get_id_ != get_id) return false;
  pending_get_.reset();
  return true;
}

void polling_transport::respond(polling_response r) {
  // Taken out first: the responder may lead (through the layer above) to another answer.
  auto respond = std::move(*pending_get_);
  pending_get_.reset();
  respond(std::move(r));
}

void polling_transport::answer_get(std::string_view packet) {
  if (!pending_get_) return;
  polling_response r;
  // One packet ("6", "1") in the payload framing of the session's protocol version.
  std::vector<eio::outgoing_packet> packets{{false, packet}};
  if (version_ == eio::version::v4)
    eio::encode_payload_v4(packets, r.body);
  else
    eio::encode_payload_v3(packets, false, r.body);
  respond(std::move(r));
}

// ---------------------------------------------------------------------------------------------
// The queue

void polling_transport::push(const outgoing& packet) {
  add_queued(packet.packet().size() + queued_packet_overhead);
  queue_.push_back(packet);
}

void polling_transport::flush() {
  if (!pending_get_ || queue_.empty()) return;
  std::vector<eio::outgoing_packet> packets;
  packets.reserve(queue_.size());
  bool any_binary = false;
  for (const auto& p : queue_) {
    packets.push_back({p.binary, p.packet()});
    any_binary = any_binary || p.binary;
  }
  polling_response r;
  if (version_ == eio::version::v4) {
    eio::encode_payload_v4(packets, r.body);
  } else {
    // v3 clients that support binary get the binary form when there is a binary packet.
    const bool binary_form = any_binary && !b64_;
    eio::encode_payload_v3(packets, binary_form, r.body);
    if (binary_form) r.content_type = "application/octet-stream";
  }
  queue_.clear();
  clear_queued();
  respond(std::move(r));
}

std::vector<outgoing> polling_transport::take_queue() noexcept {
  std::vector<outgoing> taken;
  taken.swap(queue_);
  clear_queued();
  return taken;
}

void polling_transport::drop_queue() noexcept {
  queue_.clear();
  clear_queued();
}

// ---------------------------------------------------------------------------------------------
// The POST

eio::result<std::vector<eio::owned_packet>> polling_transport::decode(std::string_view body,
                                                                      bool binary_body) const {
  return version_ == eio::version::v4 ? eio::decode_payload_v4(body)
                                      : eio::decode_payload_v3(body, binary_body);
}

}  // namespace txrt::engine
