// hiredis 0.14 on Asio. The rules of hiredis this file lives by:
// - A context is freed only by hiredis itself (on error) or by redisAsyncFree; every path ends
//   in the `cleanup` event hook, so that hook (on_context_gone) is where we forget the context,
//   release (not close: hiredis closes it) the fd and plan the reconnect.
// - redisAsyncFree must not be called from inside redisAsyncHandleRead/Write (the connect
//   callback runs there, and the disconnect path is already freeing): close() inside a callback
//   only marks the context, and on_io frees it once hiredis has returned.
// - Pending commands get their callback with a NULL reply when the context goes away: that is
//   our "unavailable". Each command's privdata is a heap shared_ptr freed in that callback.
// - The rest of the class (locating, readiness, held and retried commands) is in
//   redis_connection_flow.cpp, which knows no hiredis.
// - Event hooks follow libev's model (a watcher stays armed until del*); Asio waits are one-shot,
//   so on_io re-arms while hiredis still wants the event.
#include "bridge/redis_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include "bridge/bridge_metrics.hpp"

namespace txrt::bridge {

namespace {

using kind = redis_reply::kind;

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


}  // namespace


// ev.data, ac->data: the redis_connection, which outlives its context (the destructor frees it).
struct redis_connection::hooks {
  static redis_connection& self(const void* p) {
    return *static_cast<redis_connection*>(const_cast<void*>(p));
  }
  static void add_read(void* p) { self(p).arm(true); }
  static void del_read(void* p) { self(p).want_read_ = false; }
  static void add_write(void* p) { self(p).arm(false); }
  static void del_write(void* p) { self(p).want_write_ = false; }
  static void cleanup(void* p) { self(p).on_context_gone(); }

  static void on_connect(const redisAsyncContext* ac, int status) {
    auto& s = self(ac->data);
    // On failure hiredis frees the context right after this: the cleanup hook retries.
    if (status == REDIS_OK && !s.closed_) s.on_connected();
  }

  static void on_reply(redisAsyncContext* ac, void* r, void* privdata) {
    std::unique_ptr<command_ptr> holder(static_cast<command_ptr*>(privdata));
    pending_command& cmd = **holder;
    if (cmd.finished) return;  // the deadline answered already
    auto& s = self(ac->data);
    redis_reply reply = r ? convert(static_cast<redisReply*>(r)) : redis_reply::unavailable_because("connection lost");
    if (s.should_retry(cmd, r ? &reply : nullptr)) {
      cmd.retried = true;
      s.hold(std::move(*holder));
      // READONLY: this server is a replica now (a demoted master): find the master.
      if (r) s.reconnect();
      return;
    }
    cmd.finished = true;
    cmd.deadline.cancel();
    s.deliver(std::move(cmd.done), std::move(reply));
  }

  static void on_pubsub(redisAsyncContext* ac, void* r, void*) {
    auto& s = self(ac->data);
    const auto* reply = static_cast<const redisReply*>(r);
    if (!reply || s.closed_ || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
    auto text = [reply](std::size_t i) {
      const redisReply* e = reply->element[i];
      return e->type == REDIS_REPLY_STRING ? std::string_view(e->str, e->len) : std::string_view();
    };
    const std::string_view what = text(0);
    if (what == "message") {
      if (s.on_message_) s.on_message_(text(1), text(2), {});
    } else if (what == "pmessage") {
      if (reply->elements >= 4 && s.on_message_) s.on_message_(text(2), text(3), text(1));
    } else if (what == "subscribe" || what == "psubscribe") {
      if (s.on_subscription_) s.on_subscription_(text(1), what[0] == 'p', true);
    } else if (what == "unsubscribe" || what == "punsubscribe") {
      if (s.on_subscription_) s.on_subscription_(text(1), what[0] == 'p', false);
    }
  }
};

redis_connection::~redis_connection() {
  closed_ = true;  // pending commands are dropped silently, no reconnect is planned
  if (ac_) redisAsyncFree(ac_);
}

void redis_connection::do_connect(const std::string& ip) {
  finding_ = false;
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), endpoint_.port);
  if (!ac || ac->err) {
    log_outage("cannot connect to " + describe(endpoint_) + ": " +
               (ac ? ac->errstr : "out of memory"));
    if (ac) redisAsyncFree(ac);  // no hooks attached yet: nothing else runs
    fail_held(false, "cannot connect");
    return schedule_reconnect();
  }
  ac_ = ac;
  ++generation_;
  ac->data = this;
  ac->ev.data = this;
  ac->ev.addRead = hooks::add_read;
  ac->ev.delRead = hooks::del_read;
  ac->ev.addWrite = hooks::add_write;
  ac->ev.delWrite = hooks::del_write;
  ac->ev.cleanup = hooks::cleanup;
  boost::system::error_code ec;
  socket_.assign(ac->c.fd, ec);
  if (ec) return free_context();
  // Arms the write event: a non-blocking connect completes when the socket becomes writable.
  redisAsyncSetConnectCallback(ac, hooks::on_connect);
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait(
      [self = shared_from_this(), gen = generation_](const boost::system::error_code& ec) {
        if (ec || gen != self->generation_ || self->connected_) return;
        self->log_outage("connect to " + describe(self->endpoint_) + " timed out");
        self->free_context();
      });
}

// hiredis connected: AUTH, SELECT and ROLE are pipelined ahead of everything else (held
// commands are sent only once they are through), so later commands run authenticated, on the
// right db, on a master.
void redis_connection::on_connected() {
  attempt_ = 0;
  redisEnableKeepAlive(&ac_->c);  // notices a peer that vanished without a FIN
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
  if (!options_.require_master) return become_ready();
  // The connect timer keeps running: a server that does not answer ROLE in time is dropped.
  handshake({"ROLE"}, [self = shared_from_this(), gen = generation_](redis_reply r) {
    self->on_role(gen, r);
  });
}

void redis_connection::on_context_gone() {
  const std::string why = ac_ && ac_->err ? ac_->errstr : "closed";
  if (socket_.is_open()) socket_.release();  // hiredis closes the fd itself, right after this
  ac_ = nullptr;
  ++generation_;
  want_read_ = want_write_ = read_pending_ = write_pending_ = free_pending_ = false;
  connect_timer_.cancel();
  const bool was_connected = std::exchange(connected_, false);
  if (closed_) return;
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

void redis_connection::free_context() {
  if (!ac_) return;
  if (depth_ > 0) {
    free_pending_ = true;  // on_io frees it once hiredis has returned
    return;
  }
  redisAsyncFree(ac_);  // ends in hooks::cleanup -> on_context_gone()
}

void redis_connection::arm(bool read) {
  (read ? want_read_ : want_write_) = true;
  bool& pending = read ? read_pending_ : write_pending_;
  auto self = weak_from_this().lock();  // empty while being destroyed
  if (pending || !self || !socket_.is_open()) return;
  pending = true;
  socket_.async_wait(
      read ? net::posix::stream_descriptor::wait_read : net::posix::stream_descriptor::wait_write,
      [self, gen = generation_, read](const boost::system::error_code& ec) {
        self->on_io(gen, read, ec);
      });
}

void redis_connection::on_io(std::uint64_t gen, bool read, const boost::system::error_code& ec) {
  if (gen != generation_) return;  // a wait of a context that is gone
  (read ? read_pending_ : write_pending_) = false;
  if (ec || !ac_ || !(read ? want_read_ : want_write_)) return;
  ++depth_;
  if (read) {
    redisAsyncHandleRead(ac_);
  } else {
    redisAsyncHandleWrite(ac_);
  }
  --depth_;
  if (std::exchange(free_pending_, false)) return free_context();
  if (gen == generation_ && (read ? want_read_ : want_write_)) arm(read);
}

// Hands `cmd` to hiredis; its deadline timer is already running (make_command).
void redis_connection::send(command_ptr cmd) {
  if (cmd->finished) return;
  if (!ac_) return hold(std::move(cmd));
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(cmd->args.size());
  lengths.reserve(cmd->args.size());
  for (const auto& a : cmd->args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* holder = new command_ptr(cmd);
  if (redisAsyncCommandArgv(ac_, hooks::on_reply, holder, static_cast<int>(argv.size()),
                            argv.data(), lengths.data()) != REDIS_OK) {
    delete holder;
    cmd->finished = true;
    cmd->deadline.cancel();
    return deliver(std::move(cmd->done), redis_reply::unavailable_because("connection closing"));
  }
}

// A connection-setup command: sent now, never held nor retried (a new connection repeats it).
void redis_connection::handshake(std::vector<std::string> args, reply_callback done) {
  auto cmd = make_command(std::move(args), std::move(done), options_.connect_timeout);
  cmd->retried = true;
  send(std::move(cmd));
}

void redis_connection::send_subscription(const char* verb, const std::string& name) {
  const char* argv[2] = {verb, name.data()};
  const std::size_t lengths[2] = {std::strlen(verb), name.size()};
  // (P)SUBSCRIBE callbacks stay registered per channel in hiredis and receive every message.
  redisAsyncCommandArgv(ac_, hooks::on_pubsub, nullptr, 2, argv, lengths);
}

}  // namespace txrt::bridge
