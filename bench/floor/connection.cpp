#include "bench/floor/connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <boost/beast/websocket/detail/hybi13.hpp>

#include "bench/floor/loop.hpp"

namespace txrt::floor {

namespace ws = protocol::ws;

namespace {

constexpr std::size_t max_http_request = 8192;
// As txrt: a busy socket is read at most this many times per wake-up.
constexpr int max_reads_per_wake = 4;
// As txrt: at most this many sendmsg calls per flush of one socket.
constexpr int max_writes_per_flush = 64;

// The fixed answers. They are what txrt answers txrt-bench's handshake, minus what varies
// (the session id, the identity, the subscription echoed): the floor keeps no session.
constexpr std::string_view open_packet =
    R"(0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";
constexpr std::string_view connect_packet = R"(40{"sid":"floor"})";
constexpr std::string_view authenticated_packet =
    R"(42["authenticated",{"employee":"floor","customer":"floor","accessLevel":"MANAGER"}])";
// txrt-bench asks for ack 0 on authenticate and ack 1 on subscribe (bench/loadgen/ws_client.cpp).
constexpr std::string_view authenticate_ack = R"(430[{"success":true}])";
constexpr std::string_view subscribe_ack = R"(431[{"success":true}])";

std::string_view header_value(std::string_view request, std::string_view name) {
  // Case-insensitive search for "\r\n<name>:"; the value up to the end of its line, trimmed.
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
  for (std::size_t at = request.find("\r\n"); at != std::string_view::npos;
       at = request.find("\r\n", at + 2)) {
    const auto line = request.substr(at + 2);
    if (line.size() <= name.size() || line[name.size()] != ':') continue;
    if (!std::equal(name.begin(), name.end(), line.begin(),
                    [&](char a, char b) { return lower(a) == lower(b); }))
      continue;
    auto value = line.substr(name.size() + 1);
    value = value.substr(0, value.find("\r\n"));
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    return value;
  }
  return {};
}

}  // namespace

connection::~connection() {
  if (fd_ >= 0) ::close(fd_);
}

void connection::on_event(std::uint32_t events) {
  if (!open_) return;
  if (events & EPOLLOUT) {
    write_waiting_ = false;
    flush();
    if (open_ && !write_waiting_) want_write(false);
  }
  if (open_ && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) read_ready();
}

void connection::read_ready() {
  auto buffer = loop_.read_buffer();
  for (int round = 0; round < max_reads_per_wake && open_; ++round) {
    const auto n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      return close(close_reason::io_error);
    }
    if (n == 0) return close(close_reason::client);
    std::span<char> input(buffer.data(), static_cast<std::size_t>(n));
    if (!upgraded_) {
      std::string_view rest(input.data(), input.size());
      if (!on_http(rest)) return;
      input = input.last(rest.size());
    }
    ws::reader::message m;
    while (open_ && !input.empty()) {
      const auto status = reader_.next(input, m);
      if (status == ws::reader::status::need_more) break;
      if (status == ws::reader::status::failed) return close(close_reason::protocol);
      switch (m.op) {
        case ws::opcode::text:
          on_text(m.payload);
          break;
        case ws::opcode::ping:
          queue(std::make_shared<const std::string>(ws::encode_frame(ws::opcode::pong, m.payload)));
          break;
        case ws::opcode::close:
          return close(close_reason::client);
        default:
          break;
      }
    }
    if (static_cast<std::size_t>(n) < buffer.size()) return;
  }
}

// Collects the upgrade request; once whole, answers 101 and the Engine.IO open packet. Leaves
// in `bytes` what followed the request (WebSocket frames). False when the connection closed.
bool connection::on_http(std::string_view& bytes) {
  const std::size_t before = http_.size();
  http_.append(bytes);
  const auto end = http_.find("\r\n\r\n");
  if (end == std::string::npos) {
    bytes = {};
    if (http_.size() > max_http_request) close(close_reason::protocol);
    return false;
  }
  const auto key = header_value(std::string_view(http_).substr(0, end + 2), "sec-websocket-key");
  if (!http_.starts_with("GET ") || key.empty()) {
    close(close_reason::protocol);
    return false;
  }
  boost::beast::websocket::detail::sec_ws_accept_type accept;
  boost::beast::websocket::detail::make_sec_ws_accept(accept, key);
  std::string reply =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  reply.append(accept.data(), accept.size());
  reply += "\r\n\r\n";
  reply += ws::encode_frame(ws::opcode::text, open_packet);
  bytes = bytes.substr(end + 4 - before);
  std::string().swap(http_);
  upgraded_ = true;
  queue(std::make_shared<const std::string>(std::move(reply)));
  return true;
}

// The four messages of txrt-bench's handshake, recognised by their first bytes; anything else
// (the "3" of a heartbeat answer) is ignored.
void connection::on_text(std::string_view text) {
  if (text == "40") return queue_text(connect_packet);
  if (text.starts_with(R"(420["authenticate",)")) {
    queue_text(authenticated_packet);
    return queue_text(authenticate_ack);
  }
  if (text.starts_with(R"(421["subscribe",)")) {
    // The one field the floor reads: the customer whose events this socket receives.
    constexpr std::string_view field = R"("customer":")";
    const auto at = text.find(field);
    if (at == std::string_view::npos || !customer_.empty()) return close(close_reason::protocol);
    const auto value = text.substr(at + field.size());
    customer_.assign(value.substr(0, value.find('"')));
    std::string subscribed = R"(42["subscribed",{"type":"PBX","customer":")";
    subscribed += customer_;
    subscribed += R"("}])";
    queue_text(subscribed);
    queue_text(subscribe_ack);
    loop_.subscribe(*this);
  }
}

void connection::queue_text(std::string_view payload) {
  queue(std::make_shared<const std::string>(ws::encode_frame(ws::opcode::text, payload)));
}

void connection::queue(frame_ptr frame) {
  if (!open_) return;
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (queued_bytes_ > loop::max_queued_bytes) {
    return close(close_reason::overflow);
  }
  if (!dirty && !write_waiting_) loop_.mark_dirty(*this);
}

void connection::flush() {
  std::array<iovec, max_iovecs> iov;
  msghdr msg;
  for (int round = 0; round < max_writes_per_flush && prepare_send(msg, iov.data()); ++round) {
    const auto sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      return close(close_reason::io_error);
    }
    retire(static_cast<std::size_t>(sent));
  }
  wait_if_left();
}

bool connection::prepare_send(msghdr& msg, iovec* iov) {
  if (!open_ || write_waiting_ || queue_.empty()) return false;
  std::size_t count = 0;
  std::size_t skip = head_written_;
  for (auto it = queue_.begin(); it != queue_.end() && count < max_iovecs; ++it, skip = 0) {
    const std::string& bytes = **it;
    iov[count++] = {const_cast<char*>(bytes.data()) + skip, bytes.size() - skip};
  }
  msg = {};
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  return true;
}

void connection::sent(long result) {
  if (!open_) return;
  if (result < 0) {
    if (result != -EAGAIN && result != -EWOULDBLOCK && result != -EINTR)
      return close(close_reason::io_error);
  } else {
    retire(static_cast<std::size_t>(result));
  }
  wait_if_left();
}

void connection::retire(std::size_t n) {
  while (n > 0 && !queue_.empty()) {
    const std::size_t left = queue_.front()->size() - head_written_;
    if (n < left) {
      head_written_ += n;
      return;
    }
    n -= left;
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
    head_written_ = 0;
  }
}

// Whatever is left waits for EPOLLOUT (a partial send means the socket's buffer is full).
void connection::wait_if_left() {
  if (!open_ || queue_.empty()) return;
  write_waiting_ = true;
  want_write(true);
}

// Only a change of interest costs an epoll_ctl (a socket that stays congested keeps EPOLLOUT).
void connection::want_write(bool on) {
  if (on == out_registered_) return;
  out_registered_ = on;
  loop_.modify(fd_, this, EPOLLIN | (on ? EPOLLOUT : 0u));
}

void connection::close(close_reason why) {
  if (!open_) return;
  open_ = false;
  queue_.clear();
  queued_bytes_ = 0;
  loop_.closed(*this, why == close_reason::overflow);  // finds this by its fd
  ::close(fd_);                                        // also leaves the epoll set
  fd_ = -1;
}

}  // namespace txrt::floor
