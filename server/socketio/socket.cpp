#include "server/socketio/socket.hpp"

#include <algorithm>

#include "server/engine/session.hpp"
#include "server/socketio/connection.hpp"

namespace txrt::sio {

socket::socket(std::shared_ptr<engine::session> session, const std::string& nsp,
               std::string_view id, version protocol, connection* owner)
    : session_(std::move(session)),
      loop_(session_->loop()),
      nsp_(&nsp),
      owner_(owner),
      id_(id),
      protocol_(protocol) {}

socket::~socket() = default;

socket::extras& socket::more() {
  if (!extras_) extras_ = std::make_unique<extras>();
  return *extras_;
}

const std::string& socket::pid() const noexcept {
  static const std::string none;
  return extras_ ? extras_->pid : none;
}

void socket::set_pid(std::string pid) { more().pid = std::move(pid); }

std::string socket::take_pid() noexcept {
  return extras_ ? std::move(extras_->pid) : std::string();
}

std::string_view socket::transport() const noexcept {
  return session_ ? session_->transport_name() : std::string_view();
}

std::string socket::remote_address() const {
  return session_ ? session_->remote_address() : std::string();
}

boost::asio::any_io_executor socket::executor() const {
  return loop_.get_executor();
}

void socket::send_packet(packet_type type, std::optional<std::uint64_t> ack_id,
                         std::string_view payload, const std::vector<std::string>& attachments) {
  if (!session_) return;
  if (!attachments.empty()) {
    type = type == packet_type::ack ? packet_type::binary_ack : packet_type::binary_event;
  }
  std::string text;
  text.reserve(payload.size() + nsp_->size() + 24);
  text.push_back('4');  // Engine.IO message
  encode_header(type, *nsp_, ack_id, static_cast<std::uint32_t>(attachments.size()), text);
  text.append(payload);
  session_->send({engine::make_shared_bytes(std::move(text)), false});
  for (const auto& a : attachments) session_->send_binary_message(a);
}

void socket::emit(std::string_view name, std::string_view raw_args,
                  const std::vector<std::string>& attachments) {
  std::string payload;
  encode_event_array(name, raw_args, payload);
  send_packet(packet_type::event, std::nullopt, payload, attachments);
}

void socket::emit_with_ack(std::string_view name, std::string_view raw_args,
                           const std::vector<std::string>& attachments, ack_callback on_ack) {
  if (!session_) return;
  auto& x = more();
  const std::uint64_t id = x.next_ack_id++;
  x.pending_acks.emplace_back(id, std::move(on_ack));  // ids only grow: the vector stays sorted
  std::string payload;
  encode_event_array(name, raw_args, payload);
  send_packet(packet_type::event, id, payload, attachments);
}

void socket::ack(std::uint64_t id, std::string_view raw_args,
                 const std::vector<std::string>& attachments) {
  std::string payload;
  payload.reserve(raw_args.size() + 2);
  payload.push_back('[');
  payload.append(raw_args);
  payload.push_back(']');
  send_packet(packet_type::ack, id, payload, attachments);
}

engine::send_result socket::send_encoded(const engine::outgoing& packet) {
  return session_ ? session_->send(packet) : engine::send_result::closed;
}

void socket::prefetch_session() const noexcept {
  if (session_) session_->prefetch();
}

void socket::prefetch_transport() const noexcept {
  if (session_) session_->prefetch_transport();
}

void socket::deliver_ack(std::uint64_t id, std::string_view raw_args,
                         const std::vector<std::string>& attachments) {
  if (!extras_) return;  // nothing asked for: ignored, as socket.io does
  auto& acks = extras_->pending_acks;
  auto it = std::lower_bound(acks.begin(), acks.end(), id,
                             [](const auto& entry, std::uint64_t key) { return entry.first < key; });
  // Unknown or already answered: ignored, as socket.io does.
  if (it == acks.end() || it->first != id) return;
  auto callback = std::move(it->second);
  acks.erase(it);
  callback(raw_args, attachments);
}

void socket::close_transport() {
  if (auto session = session_) session->close(engine::close_reason::server_close);
}

void socket::disconnect() {
  if (!session_) return;
  send_packet(packet_type::disconnect, std::nullopt, {}, {});
  auto self = shared_from_this();
  if (auto* owner = owner_) owner->on_server_disconnect(*this);
  detach();
}

void socket::detach() {
  session_.reset();
  owner_ = nullptr;
  if (extras_) extras_->pending_acks.clear();
}

}  // namespace txrt::sio
