// The socket side of redis_connection: one I/O path for redis:// and rediss://. Asio owns the
// TCP socket (and, for TLS, an OpenSSL stream over it); hiredis is only the RESP reader: the
// bytes read are fed to a redisReader that hands back complete replies. Commands are written in
// RESP here (append_command; hiredis' formatter allocated and sprintf'd each argument).
//
// Why not hiredis' async context for redis:// and a second path for TLS beside it: Debian's
// hiredis 0.14 has no TLS, so TLS needs this code anyway, and with it the async context would
// only add a second connect, a second way of losing a connection and hiredis' own rules about
// when its context may be freed. One path means plain and TLS connections fail, time out,
// retry and re-subscribe the same way, and are tested by the same tests.
//
// The rules this file lives by:
// - A `link` is one connection attempt; link_ is the current one. Every completion handler
//   holds its link and returns when link->generation is no longer generation_, so dropping a
//   link (drop_link: close the socket, bump the generation) is safe anywhere, including inside
//   a callback that runs from the read loop.
// - Replies come in the order the commands were written: each is matched to the front of
//   link->awaiting. With none awaiting, a reply on a pub/sub connection is a push (message,
//   pmessage, (p)subscribe, (p)unsubscribe); on a command connection it is a protocol error.
//   Handshake commands (AUTH, SELECT, ROLE) are always written before any (P)SUBSCRIBE, so their
//   replies come before the first push.
// - One write in flight: commands formatted while it runs wait in link->out and go in the next.
//   The first write of a burst waits for the handlers already queued on the loop (do_write).
// - Bounds: connect, TLS handshake and the handshake commands within connect_timeout; a reply
//   still incomplete past max_reply_bytes drops the connection (a server that is not Redis, or
//   a value no txrt user stores); every command has its deadline (redis_connection_flow.cpp).
// - The rest of the class (locating, readiness, held and retried commands) is in
//   redis_connection_flow.cpp, which knows neither hiredis nor sockets.
#include "bridge/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>

#include <array>
#include <charconv>
#include <cstring>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include "bridge/redis_tls.hpp"

namespace txrt::bridge {

namespace {

using kind = redis_reply::kind;

// Larger than any value txrt reads (identities, request records, events as published), far
// below what would hurt a node.
constexpr std::size_t max_reply_bytes = 64 * 1024 * 1024;

redis_reply convert(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r->type == REDIS_REPLY_STRING   ? kind::string
                 : r->type == REDIS_REPLY_STATUS ? kind::status
                                                 : kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_NIL:
      out.type = kind::nil;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = kind::array;
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = kind::error;
      out.str = "unsupported reply type";
  }
  return out;
}

// Notices a peer that vanished without a FIN (as hiredis' redisEnableKeepAlive: probes after
// 15 s idle, every 5 s, 3 of them).
void keep_alive(net::ip::tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(net::socket_base::keep_alive(true), ignored);
  socket.set_option(net::ip::tcp::no_delay(true), ignored);
  const int fd = socket.native_handle();
  const int idle = 15, interval = 5, count = 3;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

}  // namespace

struct redis_connection::link {
  link(net::io_context& loop, net::ssl::context* tls_context) : socket(loop) {
    if (tls_context) tls.emplace(socket, *tls_context);
  }
  ~link() { redisReaderFree(reader); }
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  // Runs `f` with the stream commands travel on: the TLS layer, or the bare socket.
  template <class F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(socket);
    }
  }

  net::ip::tcp::socket socket;
  std::optional<net::ssl::stream<net::ip::tcp::socket&>> tls;  // destroyed before the socket
  redisReader* reader = redisReaderCreate();
  std::uint64_t generation = 0;
  bool open = false;  // connected (and TLS established): writes may start
  std::array<char, 16 * 1024> in{};
  std::string out;      // formatted commands waiting for the write in flight
  std::string writing;  // the write in flight
  bool write_in_flight = false;
  std::deque<command_ptr> awaiting;  // written, in order, their replies not read yet
};

redis_connection::~redis_connection() {
  closed_ = true;  // pending commands are dropped silently, no reconnect is planned
  if (link_) {
    boost::system::error_code ignored;
    link_->socket.close(ignored);
  }
}

void redis_connection::do_connect(const net::ip::tcp::endpoint& where) {
  finding_ = false;
  if (endpoint_.tls && !options_.tls) {
    // rediss:// without a context from the configuration (open_redis, tests): the system's
    // trust store.
    std::string why;
    options_.tls = make_redis_tls_context({}, &why);
    if (!options_.tls) {
      log_outage("cannot connect to " + describe(endpoint_) + ": " + why);
      fail_held(false, "cannot connect");
      return schedule_reconnect();
    }
  }
  auto l = std::make_shared<link>(loop_, endpoint_.tls ? options_.tls.get() : nullptr);
  if (!l->reader) {
    log_outage("cannot connect to " + describe(endpoint_) + ": out of memory");
    fail_held(false, "cannot connect");
    return schedule_reconnect();
  }
  l->generation = ++generation_;
  link_ = l;
  // Covers connect, TLS handshake and the handshake commands: a server that accepts and then
  // says nothing is dropped.
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([self = shared_from_this(), l](const boost::system::error_code& ec) {
    if (ec || l->generation != self->generation_ || self->connected_) return;
    self->log_outage("connect to " + describe(self->endpoint_) + " timed out");
    self->drop_link("timed out");
  });
  l->socket.async_connect(where,
                          [self = shared_from_this(), l](const boost::system::error_code& ec) {
                            if (l->generation != self->generation_) return;
                            if (ec) return self->drop_link(ec.message());
                            self->on_tcp_connected(l);
                          });
}

void redis_connection::on_tcp_connected(const std::shared_ptr<link>& l) {
  keep_alive(l->socket);
  if (!l->tls) return on_connected();
  // SNI for a host name (not for an address literal); the certificate must name the host (or
  // carry the address as an IP SAN): a chain that verifies is not enough.
  boost::system::error_code not_an_address;
  net::ip::make_address(endpoint_.host, not_an_address);
  if (not_an_address) SSL_set_tlsext_host_name(l->tls->native_handle(), endpoint_.host.c_str());
  l->tls->set_verify_callback(net::ssl::host_name_verification(endpoint_.host));
  l->tls->async_handshake(net::ssl::stream_base::client, [self = shared_from_this(),
                                                          l](const boost::system::error_code& ec) {
    if (l->generation != self->generation_) return;
    if (!ec) return self->on_connected();
    const std::string why = tls_failure(ec, l->tls->native_handle(), self->endpoint_.host);
    // Its own line, once until connected again, even when an outage is being logged
    // already: a refused certificate is what an operator has to fix.
    if (!std::exchange(self->tls_failure_logged_, true)) {
      spdlog::error("redis {}: TLS handshake with {} failed: {}", self->options_.name,
                    describe(self->endpoint_), why);
      self->outage_logged_ = true;
    }
    self->drop_link("TLS handshake failed: " + why);
  });
}

// Connected (and TLS established): AUTH, SELECT and ROLE are pipelined ahead of everything else
// (held commands are sent only once they are through), so later commands run authenticated, on
// the right db, on a master.
void redis_connection::on_connected() {
  link_->open = true;
  do_read(link_);
  auto log_failure = [name = options_.name](const char* what) {
    return [name, what](redis_reply r) {
      // (unavailable: the connection went away, and the next one repeats the handshake)
      if (r.type == kind::error) spdlog::error("redis {}: {} failed: {}", name, what, r.str);
    };
  };
  const auto& ep = endpoint_;
  if (!ep.password.empty()) {
    handshake(ep.user.empty() ? std::vector<std::string>{"AUTH", ep.password}
                              : std::vector<std::string>{"AUTH", ep.user, ep.password},
              log_failure("AUTH"));
  }
  if (ep.db != 0) handshake({"SELECT", std::to_string(ep.db)}, log_failure("SELECT"));
  if (!options_.require_master && !endpoint_.tls) return become_ready();
  // ROLE confirms a master. Over TLS a PING at least: TLS 1.3 tells a client that the server
  // refused its certificate only after the client's handshake is done, at the first read.
  // The connect timer keeps running: a server that does not answer in time is dropped.
  handshake(
      {options_.require_master ? "ROLE" : "PING"},
      [self = shared_from_this(), gen = generation_](redis_reply r) { self->on_role(gen, r); });
}

// The connection (or the attempt) is over: its commands are retried once or answered
// `unavailable`, and the next attempt is planned. `why` is for the log.
void redis_connection::drop_link(const std::string& why) {
  if (!link_) return;
  const auto l = std::exchange(link_, nullptr);
  ++generation_;
  boost::system::error_code ignored;
  l->socket.close(ignored);  // its pending completions find the generation moved on
  connect_timer_.cancel();
  const bool was_connected = std::exchange(connected_, false);
  auto awaiting = std::exchange(l->awaiting, {});
  if (closed_) return;
  for (const auto& cmd : awaiting) answer(cmd, std::nullopt);
  if (was_connected) {
    spdlog::warn("redis {}: connection to {} lost ({}), reconnecting", options_.name,
                 describe(endpoint_), why);
    outage_logged_ = true;
  } else {
    log_outage("cannot connect to " + describe(endpoint_) + " (" + why + "), retrying");
    fail_held(false, "cannot connect");
  }
  schedule_reconnect();
  if (was_connected && on_state_) on_state_(false);
}

void redis_connection::do_read(const std::shared_ptr<link>& l) {
  l->with_stream([&](auto& stream) {
    stream.async_read_some(
        net::buffer(l->in),
        [self = shared_from_this(), l](const boost::system::error_code& ec, std::size_t n) {
          if (l->generation != self->generation_) return;
          if (ec)
            return self->drop_link(ec == net::error::eof ? "closed by the server" : ec.message());
          self->on_read(l, n);
        });
  });
}

void redis_connection::on_read(const std::shared_ptr<link>& l, std::size_t n) {
  if (redisReaderFeed(l->reader, l->in.data(), n) != REDIS_OK)
    return drop_link(std::string("bad reply: ") + l->reader->errstr);
  for (;;) {
    void* reply = nullptr;
    if (redisReaderGetReply(l->reader, &reply) != REDIS_OK)
      return drop_link(std::string("bad reply: ") + l->reader->errstr);
    if (!reply) break;
    const bool expected = dispatch(*l, reply);
    if (l->generation != generation_) return;  // a callback closed or reconnected
    if (!expected) return drop_link("a reply to no command");
  }
  if (l->reader->len - l->reader->pos > max_reply_bytes)
    return drop_link("a reply of more than " + std::to_string(max_reply_bytes) + " bytes");
  do_read(l);
}

// One complete reply (freed here): the answer to the oldest awaiting command, or a push.
// false: neither (the connection is out of step).
bool redis_connection::dispatch(link& l, void* raw) {
  const std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                           freeReplyObject);
  if (!l.awaiting.empty()) {
    const command_ptr cmd = std::move(l.awaiting.front());
    l.awaiting.pop_front();
    answer(cmd, convert(reply.get()));
    return true;
  }
  if (!pubsub_) return false;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return true;
  auto text = [&reply](std::size_t i) {
    const redisReply* e = reply->element[i];
    return e->type == REDIS_REPLY_STRING ? std::string_view(e->str, e->len) : std::string_view();
  };
  const std::string_view what = text(0);
  if (what == "message") {
    if (on_message_) on_message_(text(1), text(2), {});
  } else if (what == "pmessage") {
    if (reply->elements >= 4 && on_message_) on_message_(text(2), text(3), text(1));
  } else if (what == "subscribe" || what == "psubscribe") {
    if (on_subscription_) on_subscription_(text(1), what[0] == 'p', true);
  } else if (what == "unsubscribe" || what == "punsubscribe") {
    if (on_subscription_) on_subscription_(text(1), what[0] == 'p', false);
  }
  return true;
}

// `reply` nullopt: the connection went while the command was in flight.
void redis_connection::answer(const command_ptr& cmd, std::optional<redis_reply> reply) {
  if (cmd->finished) return;  // the deadline answered already
  if (should_retry(*cmd, reply ? &*reply : nullptr)) {
    cmd->retried = true;
    hold(cmd);
    // READONLY: this server is a replica now (a demoted master): find the master.
    if (reply) reconnect();
    return;
  }
  cmd->finished = true;
  cmd->deadline.cancel();
  deliver(std::move(cmd->done),
          reply ? std::move(*reply) : redis_reply::unavailable_because("connection lost"));
}

void redis_connection::do_write(const std::shared_ptr<link>& l) {
  if (!l->open || l->write_in_flight || l->out.empty()) return;
  // Not written at once: the handlers already queued on this loop add their commands first
  // (a connect's GET, HSET, PUBLISHes and record SET come from handlers of one loop turn), and
  // all go in one write, a system call each instead of one per burst's first command. A post
  // from the loop's own thread wakes nothing.
  l->write_in_flight = true;
  net::post(l->socket.get_executor(), [self = shared_from_this(), l] {
    if (l->generation != self->generation_) return;
    self->start_write(l);
  });
}

void redis_connection::start_write(const std::shared_ptr<link>& l) {
  l->writing.clear();
  l->writing.swap(l->out);
  l->with_stream([&](auto& stream) {
    net::async_write(
        stream, net::buffer(l->writing),
        [self = shared_from_this(), l](const boost::system::error_code& ec, std::size_t) {
          if (l->generation != self->generation_) return;
          l->write_in_flight = false;
          if (ec) return self->drop_link(ec.message());
          self->do_write(l);
        });
  });
}

namespace {

// RESP for one command (an array of bulk strings), appended to `out`: the bytes
// redisFormatCommandArgv wrote, without its allocation and sprintf per argument. Always true
// (kept a bool for the caller's error path).
bool append_command(std::string& out, int argc, const char** argv, const std::size_t* lengths) {
  char number[24];
  const auto put_count = [&out, &number](char tag, std::size_t n) {
    out.push_back(tag);
    out.append(number, std::to_chars(number, number + sizeof number, n).ptr);
    out.append("\r\n", 2);
  };
  put_count('*', static_cast<std::size_t>(argc));
  for (int i = 0; i < argc; ++i) {
    put_count('$', lengths[i]);
    out.append(argv[i], lengths[i]);
    out.append("\r\n", 2);
  }
  return true;
}

}  // namespace

// Writes `cmd` on the current link; its deadline timer is already running (make_command).
void redis_connection::send(command_ptr cmd) {
  if (cmd->finished) return;
  if (!link_ || !link_->open) return hold(std::move(cmd));
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(cmd->args.size());
  lengths.reserve(cmd->args.size());
  for (const auto& a : cmd->args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  if (!append_command(link_->out, static_cast<int>(argv.size()), argv.data(), lengths.data())) {
    cmd->finished = true;
    cmd->deadline.cancel();
    return deliver(std::move(cmd->done), redis_reply::unavailable_because("cannot format"));
  }
  link_->awaiting.push_back(std::move(cmd));
  do_write(link_);
}

// A connection-setup command: sent now, never held nor retried (a new connection repeats it).
void redis_connection::handshake(std::vector<std::string> args, reply_callback done) {
  auto cmd = make_command(std::move(args), std::move(done), options_.connect_timeout);
  cmd->retried = true;
  send(std::move(cmd));
}

// (P)SUBSCRIBE and (P)UNSUBSCRIBE await no reply of their own: Redis confirms them with pushes.
void redis_connection::send_subscription(const char* verb, const std::string& name) {
  if (!link_ || !link_->open) return;  // replayed by become_ready on the next connection
  const char* argv[2] = {verb, name.data()};
  const std::size_t lengths[2] = {std::strlen(verb), name.size()};
  if (append_command(link_->out, 2, argv, lengths)) do_write(link_);
}

}  // namespace txrt::bridge
