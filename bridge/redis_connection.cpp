// hiredis 0.14 on Asio. The rules of hiredis this file lives by:
// - A context is freed only by hiredis itself (on error) or by redisAsyncFree; every path ends
//   in the `cleanup` event hook, so that hook (on_context_gone) is where we forget the context,
//   release (not close: hiredis closes it) the fd and plan the reconnect.
// - redisAsyncFree must not be called from inside redisAsyncHandleRead/Write (the connect
//   callback runs there, and the disconnect path is already freeing): close() inside a callback
//   only marks the context, and on_io frees it once hiredis has returned.
// - Pending commands get their callback with a NULL reply when the context goes away: that is
//   our "unavailable". Each command's privdata is a heap shared_ptr freed in that callback.
// - Event hooks follow libev's model (a watcher stays armed until del*); Asio waits are one-shot,
//   so on_io re-arms while hiredis still wants the event.
#include "bridge/redis_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstring>
#include <random>
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

redis_reply unavailable(std::string why) {
  redis_reply r;
  r.str = std::move(why);
  return r;
}

std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
  // Uniform in [base/2, base]: nodes that lost Redis together do not all come back together.
  thread_local std::minstd_rand rng{std::random_device{}()};
  const auto half = base.count() / 2;
  return std::chrono::milliseconds(half + static_cast<long long>(rng() % (half + 1)));
}

}  // namespace

struct redis_connection::pending_command {
  pending_command(net::io_context& loop, reply_callback cb) : deadline(loop), done(std::move(cb)) {}
  net::steady_timer deadline;
  reply_callback done;
  bool finished = false;  // answered (by Redis, by the loss of the context, or by the deadline)
};

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
    std::unique_ptr<std::shared_ptr<pending_command>> holder(
        static_cast<std::shared_ptr<pending_command>*>(privdata));
    pending_command& cmd = **holder;
    if (cmd.finished) return;  // the deadline answered already
    cmd.finished = true;
    cmd.deadline.cancel();
    self(ac->data).deliver(std::move(cmd.done), r ? convert(static_cast<redisReply*>(r))
                                                  : unavailable("connection lost"));
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

std::shared_ptr<redis_connection> redis_connection::create(net::io_context& loop,
                                                           redis_options options) {
  return std::shared_ptr<redis_connection>(new redis_connection(loop, std::move(options)));
}

redis_connection::redis_connection(net::io_context& loop, redis_options options)
    : loop_(loop),
      options_(std::move(options)),
      resolver_(loop),
      socket_(loop),
      connect_timer_(loop),
      reconnect_timer_(loop) {}

redis_connection::~redis_connection() {
  closed_ = true;  // pending commands are dropped silently, no reconnect is planned
  if (ac_) redisAsyncFree(ac_);
}

void redis_connection::start() {
  net::post(loop_, [self = shared_from_this()] {
    if (!self->closed_ && !self->ac_) self->do_resolve();
  });
}

void redis_connection::close() {
  if (closed_) return;
  closed_ = true;
  connected_ = false;
  resolver_.cancel();
  connect_timer_.cancel();
  reconnect_timer_.cancel();
  free_context();
}

void redis_connection::do_resolve() {
  // hiredis resolves names with a blocking getaddrinfo: give it a numeric address instead.
  boost::system::error_code ec;
  const auto address = net::ip::make_address(options_.endpoint.host, ec);
  if (!ec) return do_connect(address.to_string());
  resolver_.async_resolve(
      options_.endpoint.host, std::to_string(options_.endpoint.port),
      [self = shared_from_this()](const boost::system::error_code& ec,
                                  const net::ip::tcp::resolver::results_type& results) {
        if (self->closed_) return;
        if (ec || results.empty()) {
          if (!std::exchange(self->outage_logged_, true))
            spdlog::warn("redis {}: cannot resolve {}: {}", self->options_.name,
                         self->options_.endpoint.host, ec ? ec.message() : "no address");
          return self->schedule_reconnect();
        }
        auto chosen = results.begin();
        for (auto it = results.begin(); it != results.end(); ++it) {
          if (it->endpoint().address().is_v4()) {
            chosen = it;
            break;
          }
        }
        self->do_connect(chosen->endpoint().address().to_string());
      });
}

void redis_connection::do_connect(const std::string& ip) {
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), options_.endpoint.port);
  if (!ac || ac->err) {
    if (!std::exchange(outage_logged_, true))
      spdlog::warn("redis {}: cannot connect to {}: {}", options_.name, describe(options_.endpoint),
                   ac ? ac->errstr : "out of memory");
    if (ac) redisAsyncFree(ac);  // no hooks attached yet: nothing else runs
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
        if (!std::exchange(self->outage_logged_, true))
          spdlog::warn("redis {}: connect to {} timed out", self->options_.name,
                       describe(self->options_.endpoint));
        self->free_context();
      });
}

void redis_connection::on_connected() {
  connect_timer_.cancel();
  connected_ = true;
  attempt_ = 0;
  if (std::exchange(ever_connected_, true)) metrics::redis_reconnects.get().inc();
  outage_logged_ = false;
  redisEnableKeepAlive(&ac_->c);  // notices a peer that vanished without a FIN
  auto log_failure = [name = options_.name](const char* what) {
    return [name, what](redis_reply r) {
      if (!r.ok()) spdlog::error("redis {}: {} failed: {}", name, what, r.str);
    };
  };
  // Pipelined ahead of everything else, so later commands run authenticated, on the right db.
  const auto& ep = options_.endpoint;
  if (!ep.password.empty()) {
    issue(ep.user.empty() ? std::vector<std::string>{"AUTH", ep.password}
                          : std::vector<std::string>{"AUTH", ep.user, ep.password},
          log_failure("AUTH"), {});
  }
  if (ep.db != 0) issue({"SELECT", std::to_string(ep.db)}, log_failure("SELECT"), {});
  for (const auto& c : channels_) send_subscription("SUBSCRIBE", c);
  for (const auto& p : patterns_) send_subscription("PSUBSCRIBE", p);
  spdlog::info("redis {}: connected to {}", options_.name, describe(ep));
  if (on_state_) on_state_(true);
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
    spdlog::warn("redis {}: connection lost ({}), reconnecting", options_.name, why);
    outage_logged_ = true;
  } else if (!std::exchange(outage_logged_, true)) {
    spdlog::warn("redis {}: cannot connect to {} ({}), retrying", options_.name,
                 describe(options_.endpoint), why);
  }
  schedule_reconnect();
  if (was_connected && on_state_) on_state_(false);
}

void redis_connection::schedule_reconnect() {
  auto self = weak_from_this().lock();
  if (closed_ || !self) return;
  const std::chrono::milliseconds base = std::min<std::chrono::milliseconds>(
      options_.backoff_initial * (1LL << std::min(attempt_, 20u)), options_.backoff_max);
  ++attempt_;
  reconnect_timer_.expires_after(jittered(base));
  reconnect_timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec && !self->closed_ && !self->ac_) self->do_resolve();
  });
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

void redis_connection::command(std::vector<std::string> args, reply_callback done,
                               std::chrono::milliseconds deadline) {
  if (closed_) return;
  if (pubsub_) {
    redis_reply r;
    r.type = kind::error;
    r.str = "ERR command on a pub/sub connection";
    return deliver(std::move(done), std::move(r));
  }
  issue(std::move(args), std::move(done), deadline);
}

void redis_connection::issue(std::vector<std::string> args, reply_callback done,
                             std::chrono::milliseconds deadline) {
  if (!ac_ || args.empty()) {
    return deliver(std::move(done), unavailable(args.empty() ? "empty command" : "not connected"));
  }
  auto cmd = std::make_shared<pending_command>(loop_, std::move(done));
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* holder = new std::shared_ptr<pending_command>(cmd);
  if (redisAsyncCommandArgv(ac_, hooks::on_reply, holder, static_cast<int>(argv.size()),
                            argv.data(), lengths.data()) != REDIS_OK) {
    delete holder;
    return deliver(std::move(cmd->done), unavailable("connection closing"));
  }
  cmd->deadline.expires_after(deadline.count() > 0 ? deadline : options_.command_deadline);
  cmd->deadline.async_wait([self = weak_from_this(), cmd](const boost::system::error_code& ec) {
    if (ec || cmd->finished) return;
    // hiredis cannot forget one command: its callback will still come, and find it finished.
    cmd->finished = true;
    if (auto s = self.lock()) s->deliver(std::move(cmd->done), unavailable("deadline passed"));
  });
}

void redis_connection::deliver(reply_callback done, redis_reply reply) {
  if (closed_ || !done) return;
  // Posted, never inline: callers may issue commands or close() from their callback.
  net::post(loop_,
            [self = weak_from_this(), done = std::move(done), reply = std::move(reply)]() mutable {
              auto s = self.lock();
              if (s && !s->closed_) done(std::move(reply));
            });
}

void redis_connection::send_subscription(const char* verb, const std::string& name) {
  const char* argv[2] = {verb, name.data()};
  const std::size_t lengths[2] = {std::strlen(verb), name.size()};
  // (P)SUBSCRIBE callbacks stay registered per channel in hiredis and receive every message.
  redisAsyncCommandArgv(ac_, hooks::on_pubsub, nullptr, 2, argv, lengths);
}

// Remembered for reconnects; sent now only when connected (on_connected sends the whole set).
void redis_connection::change(std::set<std::string>& set, const std::string& name, bool add,
                              const char* verb) {
  if (closed_) return;
  const bool changed = add ? set.insert(name).second : set.erase(name) != 0;
  if (changed && connected_) send_subscription(verb, name);
}

std::shared_ptr<redis_connection> open_redis(net::io_context& loop, std::string_view url,
                                             std::string name,
                                             std::chrono::milliseconds command_deadline) {
  std::string error;
  auto endpoint = parse_redis_url(url, &error);
  if (!endpoint) throw std::invalid_argument("redis: " + error);
  redis_options o;
  o.endpoint = std::move(*endpoint);
  o.name = std::move(name);
  o.command_deadline = command_deadline;
  auto conn = redis_connection::create(loop, std::move(o));
  conn->start();
  return conn;
}

void close_on_loop(const std::shared_ptr<redis_connection>& conn) {
  if (conn) net::post(conn->get_executor(), [conn] { conn->close(); });
}

}  // namespace txrt::bridge
