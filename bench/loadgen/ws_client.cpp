#include "bench/loadgen/ws_client.hpp"

#include <arpa/inet.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "bench/loadgen/payload.hpp"
#include "bench/loadgen/sessions.hpp"
#include "bench/loadgen/worker.hpp"
#include "protocol/base64.hpp"
#include "protocol/websocket/permessage_deflate.hpp"

namespace txrt::bench {

namespace ws = protocol::ws;

namespace {

// Larger than any message the server sends us; a bigger one is a failure.
constexpr std::uint64_t max_message = 4 << 20;
constexpr std::size_t max_http_response = 8192;
// Reads per readiness: a busy socket yields the loop to the others after this many.
constexpr int reads_per_wake = 4;
// See consume(): how much input the reader gets at a time while it holds a partial frame.
constexpr std::size_t held_slice = 1024;

}  // namespace

const char* to_string(ws_client::phase p) noexcept {
  switch (p) {
    case ws_client::phase::idle: return "idle";
    case ws_client::phase::connecting: return "connect";
    case ws_client::phase::upgrading: return "upgrade";
    case ws_client::phase::opening: return "engine.io open";
    case ws_client::phase::joining: return "socket.io connect";
    case ws_client::phase::authenticating: return "authenticate";
    case ws_client::phase::subscribing: return "subscribe";
    case ws_client::phase::ready: return "ready";
    case ws_client::phase::done: return "done";
  }
  return "?";
}

ws_client::ws_client(worker& w, std::uint32_t session, std::uint32_t channel, std::string token)
    : worker_(w),
      reader_(ws::reader::role::client, max_message),
      session_(session),
      channel_(channel),
      token_(std::move(token)) {}

void ws_client::start(const sockaddr_in& target, in_addr_t source) {
  phase_ = phase::connecting;
  std::string error = conn_.open(target, source);
  if (!error.empty()) return fail(error);
  interest_ = EPOLLOUT;
  if (!worker_.io().add(conn_.fd(), this, interest_)) return fail("epoll_ctl failed");
}

void ws_client::close() {
  phase_ = phase::done;
  conn_.close();  // closing the descriptor also takes it out of the epoll set
}

void ws_client::on_io(std::uint32_t events) {
  if (phase_ == phase::done) return;
  if (phase_ == phase::connecting) {
    const std::string error = conn_.finish_connect();
    if (!error.empty()) return fail(error);
    return on_connected();
  }
  if (events & EPOLLOUT) {
    std::string error;
    if (!conn_.flush(error)) return fail(error);
    update_interest();
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_ready();
}

void ws_client::on_connected() {
  phase_ = phase::upgrading;
  unsigned char nonce[16];
  for (int i = 0; i < 16; i += 8) {
    const std::uint64_t r = worker_.random();
    std::memcpy(nonce + i, &r, 8);
  }
  std::string key;
  protocol::base64_encode(std::string_view(reinterpret_cast<const char*>(nonce), 16), key);
  const sockaddr_in& target = worker_.target();
  char host[INET_ADDRSTRLEN] = "127.0.0.1";
  ::inet_ntop(AF_INET, &target.sin_addr, host, sizeof host);
  std::string request = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ";
  request += host;
  request += ':';
  request += std::to_string(ntohs(target.sin_port));
  request += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
  request += key;
  request += "\r\nSec-WebSocket-Version: 13\r\n";
  if (worker_.opts().compression) request += "Sec-WebSocket-Extensions: permessage-deflate\r\n";
  request += "\r\n";
  send_raw(request);
  if (phase_ != phase::done) update_interest();
}

void ws_client::update_interest() {
  const std::uint32_t want = EPOLLIN | (conn_.wants_write() ? EPOLLOUT : 0u);
  if (want == interest_) return;
  interest_ = want;
  if (!worker_.io().modify(conn_.fd(), this, want)) fail("epoll_ctl failed");
}

// --- receive -----------------------------------------------------------------------------------

void ws_client::read_ready() {
  auto buffer = worker_.read_buffer();
  for (int round = 0; round < reads_per_wake; ++round) {
    std::size_t n = 0;
    std::string error;
    switch (conn_.read(buffer, n, error)) {
      case tcp_conn::read_status::would_block:
        return;
      case tcp_conn::read_status::closed:
        return fail("connection closed by the server");
      case tcp_conn::read_status::failed:
        return fail(error);
      case tcp_conn::read_status::data:
        break;
    }
    worker_.add_bytes_read(n);
    if (!consume(buffer.subspan(0, n), monotonic_ns())) return;
    // A short read emptied the socket; a full one leaves more (level-triggered epoll would
    // call again anyway, but reading on saves a wake).
    if (n < buffer.size()) return;
  }
}

bool ws_client::consume(std::span<char> input, std::uint64_t now_ns) {
  if (phase_ == phase::upgrading && !consume_http(input)) return false;
  const std::uint64_t events_before = received + misrouted;
  ws::reader::message m;
  bool alive = true;
  while (alive && !input.empty()) {
    // While the reader holds a partial frame it copies all the input it is given behind it and
    // erases each message from the front of that copy as it goes: a 256 KiB read after a split
    // frame would cost a 256 KiB memmove per message. Feed it small slices until it holds
    // nothing; then whole reads are parsed in place.
    std::span<char> piece = input;
    if (!reader_.idle()) piece = input.first(std::min(input.size(), held_slice));
    input = input.subspan(piece.size());
    while (alive) {
      const auto status = reader_.next(piece, m);
      if (status == ws::reader::status::need_more) break;
      if (status == ws::reader::status::failed) {
        fail(std::string("bad frame from the server: ") +
             std::string(ws::describe(reader_.failure())));
        alive = false;
        break;
      }
      if (m.compressed) {
        // permessage-deflate without context takeover: one inflater per worker thread.
        thread_local ws::inflater inflater;
        thread_local std::string inflated;
        if (const auto e = ws::inflate_message(inflater, m, max_message, inflated);
            e != ws::error::none) {
          fail(std::string("bad compressed message: ") + std::string(ws::describe(e)));
          alive = false;
          break;
        }
      }
      alive = on_message(m, now_ns);
    }
  }
  const std::uint64_t events = received + misrouted - events_before;
  if (events) worker_.add_deliveries(events, now_ns);
  return alive;
}

bool ws_client::consume_http(std::span<char>& input) {
  const std::size_t before = http_.size();
  http_.append(input.data(), input.size());
  const auto end = http_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (http_.size() > max_http_response) fail("upgrade response too long");
    else input = input.subspan(input.size());
    return http_.size() <= max_http_response;
  }
  if (!http_.starts_with("HTTP/1.1 101")) {
    fail("upgrade refused: " + http_.substr(0, http_.find("\r\n")));
    return false;
  }
  if (worker_.opts().compression) {
    // Offered: the server must have agreed (its answer names the extension), else fail.
    std::string head = http_.substr(0, end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head.find("sec-websocket-extensions: permessage-deflate") == std::string::npos) {
      fail("permessage-deflate offered, not agreed");
      return false;
    }
    reader_.allow_compressed(true);
  }
  // What follows the blank line is already WebSocket frames; it is still in `input`.
  input = input.subspan(end + 4 - before);
  std::string().swap(http_);
  phase_ = phase::opening;
  return true;
}

bool ws_client::on_message(const ws::reader::message& m, std::uint64_t now_ns) {
  switch (m.op) {
    case ws::opcode::text:
      return on_text(m.payload, now_ns);
    case ws::opcode::ping:
      send_frame(ws::opcode::pong, m.payload);
      return true;
    case ws::opcode::close:
      fail("WebSocket close from the server");
      return false;
    default:
      return true;  // pong, binary: not expected, harmless
  }
}

bool ws_client::on_text(std::string_view text, std::uint64_t now_ns) {
  if (text.empty()) return true;
  // The hot case first: a Socket.IO EVENT, 42["PBX",{...}].
  if (text.starts_with("42[")) {
    if (text.starts_with("42[\"PBX\",")) {
      on_event(text.substr(9), now_ns);
      return true;
    }
    if (text.starts_with("42[\"unauthorized\"") || text.starts_with("42[\"subscribe_failed\"")) {
      fail(std::string(text.substr(0, 200)));
      return false;
    }
    return true;  // authenticated, subscribed: the acks carry the same
  }
  switch (text[0]) {
    case '2':  // Engine.IO ping
      send_frame(ws::opcode::text, "3");
      return true;
    case '0':
      if (phase_ != phase::opening) return true;
      phase_ = phase::joining;
      send_frame(ws::opcode::text, "40");
      return true;
    case '1':
      fail("Engine.IO close from the server");
      return false;
    case '4':
      break;
    default:
      return true;
  }
  if (text.starts_with("40") && phase_ == phase::joining) {
    phase_ = phase::authenticating;
    send_frame(ws::opcode::text, "420[\"authenticate\",{\"token\":\"" + token_ +
                                     "\",\"client\":\"txrt-bench\"}]");
    return true;
  }
  if (text.starts_with("43")) return on_ack(text);
  if (text.starts_with("41")) {
    fail("Socket.IO disconnect from the server");
    return false;
  }
  if (text.starts_with("44")) {
    fail("Socket.IO connect refused: " + std::string(text.substr(0, 200)));
    return false;
  }
  return true;
}

bool ws_client::on_ack(std::string_view text) {
  const bool success = text.find("\"success\":true") != std::string_view::npos;
  if (text.starts_with("430[") && phase_ == phase::authenticating) {
    if (!success) {
      fail("authenticate refused: " + std::string(text.substr(0, 200)));
      return false;
    }
    phase_ = phase::subscribing;
    send_frame(ws::opcode::text, "421[\"subscribe\",{\"type\":\"PBX\",\"customer\":\"" +
                                     customer_name(channel_) + "\"}]");
    return true;
  }
  if (text.starts_with("431[") && phase_ == phase::subscribing) {
    if (!success) {
      fail("subscribe refused: " + std::string(text.substr(0, 200)));
      return false;
    }
    phase_ = phase::ready;
    subscribed_ = true;
    worker_.on_ready(monotonic_ns());
  }
  return true;
}

void ws_client::on_event(std::string_view object, std::uint64_t now_ns) {
  stamp s;
  if (phase_ != phase::ready || !scan_event(object, s) || s.channel != channel_) {
    ++misrouted;
    return;
  }
  if (s.seq >= next_seq_) {
    ++received;
    next_seq_ = s.seq + 1;  // a gap is loss, unless the missing events turn up later
  } else {
    ++received;
    ++reordered;
  }
  worker_.latency().record(now_ns > s.sent_ns ? now_ns - s.sent_ns : 0);
}

// --- send --------------------------------------------------------------------------------------

void ws_client::send_raw(std::string_view bytes) {
  std::string error;
  if (!conn_.send(bytes, error)) return fail(error);
  if (conn_.wants_write()) update_interest();
}

void ws_client::send_frame(ws::opcode op, std::string_view payload) {
  // Client frames are masked (RFC 6455 §5.3). Handshake messages and heartbeats only: small,
  // so the frame is built on the stack when it fits.
  std::uint8_t mask[4];
  const std::uint64_t r = worker_.random();
  std::memcpy(mask, &r, 4);
  char small[512];
  std::string large;
  char* frame = small;
  if (payload.size() + ws::max_header_size > sizeof small) {
    large.resize(payload.size() + ws::max_header_size);
    frame = large.data();
  }
  const std::size_t header_size =
      ws::encode_header(reinterpret_cast<std::uint8_t*>(frame), op, payload.size(), mask);
  std::memcpy(frame + header_size, payload.data(), payload.size());
  ws::apply_mask(std::span<char>(frame + header_size, payload.size()), mask);
  send_raw(std::string_view(frame, header_size + payload.size()));
}

void ws_client::fail(std::string_view why) {
  if (phase_ == phase::done) return;
  worker_.on_failed(*this, why);
  close();
}

}  // namespace txrt::bench
