#pragma once
// One benchmark client: a TCP connection that does the WebSocket upgrade, the Engine.IO open,
// the Socket.IO CONNECT, `authenticate` and `subscribe` (each waiting for its ack), then counts
// the events that arrive, checking their order, and answers heartbeats.
//
// The receive path is built for a million frames a second on one core: a ready socket is read
// once (more only when the read filled the buffer) into its worker's shared buffer — a client
// owns no read buffer; the project's WebSocket reader (role::client) yields messages as views
// into it (only a frame split across reads is copied, by the reader); an event is recognised
// by its prefix and read by scan_event(): no JSON parser, no allocation per message.
//
// Loop thread only. Owned by its worker, which keeps every client alive until its loop stops.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bench/loadgen/poller.hpp"
#include "bench/loadgen/tcp_conn.hpp"
#include "protocol/websocket/frame.hpp"

namespace txrt::bench {

class worker;

class ws_client final : public poller::target {
 public:
  enum class phase : std::uint8_t {
    idle, connecting, upgrading, opening, joining, authenticating, subscribing, ready, done,
  };

  ws_client(worker& w, std::uint32_t session, std::uint32_t channel, std::string token);
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Starts connecting to `target` from `source` (INADDR_ANY: any).
  void start(const sockaddr_in& target, in_addr_t source);
  // Closes the socket at once; nothing more is counted.
  void close();

  void on_io(std::uint32_t events) override;

  phase state() const noexcept { return phase_; }
  std::uint32_t channel() const noexcept { return channel_; }
  std::uint32_t session() const noexcept { return session_; }
  // True once the subscribe ack arrived, even if the connection has been lost since.
  bool subscribed() const noexcept { return subscribed_; }

  // Per-client tallies, read by the worker on the loop thread.
  std::uint64_t received = 0;   // events of our channel, counted once each
  std::uint64_t reordered = 0;  // arrivals with a sequence number below one already seen
  std::uint64_t misrouted = 0;  // events of another channel, or not ours at all

 private:
  void on_connected();
  void read_ready();
  // Feeds bytes read from the socket; false once the client is finished.
  bool consume(std::span<char> input, std::uint64_t now_ns);
  bool consume_http(std::span<char>& input);
  bool on_message(const protocol::ws::reader::message& m, std::uint64_t now_ns);
  bool on_text(std::string_view text, std::uint64_t now_ns);
  bool on_ack(std::string_view text);
  void on_event(std::string_view object, std::uint64_t now_ns);

  void send_raw(std::string_view bytes);
  void send_frame(protocol::ws::opcode op, std::string_view payload);
  // Registers for writability while bytes wait, for readability always.
  void update_interest();

  // Ends the client: failed during the handshake, or closed after it was ready.
  void fail(std::string_view why);

  worker& worker_;
  tcp_conn conn_;
  protocol::ws::reader reader_;
  std::uint32_t session_;
  std::uint32_t channel_;
  std::string token_;
  phase phase_ = phase::idle;
  bool subscribed_ = false;
  std::uint32_t interest_ = 0;  // the epoll events registered
  std::string http_;            // the upgrade response, until its blank line
  std::uint64_t next_seq_ = 0;  // the next sequence number expected
};

const char* to_string(ws_client::phase p) noexcept;

}  // namespace txrt::bench
