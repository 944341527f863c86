// redis_connection without hiredis or sockets: where to connect (locate, resolve), when the
// connection is ready (ROLE, or PING over TLS), the backoff, and the commands held until it is
// ready or retried once after a loss. The socket, TLS and hiredis side is redis_connection.cpp.
#include "bridge/redis_connection.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "bridge/bridge_metrics.hpp"

namespace txrt::bridge {

namespace {

std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
  // Uniform in [base/2, base]: nodes that lost Redis together do not all come back together.
  thread_local std::minstd_rand rng{std::random_device{}()};
  const auto half = base.count() / 2;
  return std::chrono::milliseconds(half + static_cast<long long>(rng() % (half + 1)));
}


}  // namespace


std::shared_ptr<redis_connection> redis_connection::create(net::io_context& loop,
                                                           redis_options options) {
  return std::shared_ptr<redis_connection>(new redis_connection(loop, std::move(options)));
}

redis_connection::redis_connection(net::io_context& loop, redis_options options)
    : loop_(loop),
      options_(std::move(options)),
      endpoint_(options_.endpoint),
      resolver_(loop),
      connect_timer_(loop),
      reconnect_timer_(loop) {}

void redis_connection::start() {
  net::post(loop_, [self = shared_from_this()] {
    if (!self->closed_ && !self->link_ && !self->finding_) self->do_locate();
  });
}

void redis_connection::close() {
  if (closed_) return;
  closed_ = true;
  connected_ = false;
  resolver_.cancel();
  connect_timer_.cancel();
  reconnect_timer_.cancel();
  held_.clear();  // dropped without an answer, as documented
  drop_link("closed");
}

void redis_connection::reconnect() {
  if (closed_) return;
  attempt_ = 0;
  at_once_ = true;
  if (link_) return drop_link("reconnecting");  // -> schedule_reconnect, at once
  if (finding_) return;            // already asking where to go
  reconnect_timer_.cancel();
  do_locate();
}

void redis_connection::do_locate() {
  finding_ = true;
  at_once_ = false;
  if (!options_.locate) return do_resolve();
  options_.locate([self = shared_from_this()](std::optional<redis_endpoint> ep, std::string why) {
    self->on_located(std::move(ep), why);
  });
}

void redis_connection::on_located(std::optional<redis_endpoint> endpoint, const std::string& why) {
  if (closed_ || link_) return;
  if (!endpoint) {
    finding_ = false;
    log_outage("no address to connect to: " + why);
    fail_held(false, "no address");
    return schedule_reconnect();
  }
  endpoint_ = std::move(*endpoint);
  do_resolve();
}

void redis_connection::do_resolve() {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(endpoint_.host, ec);
  if (!ec) return do_connect(net::ip::tcp::endpoint(address, endpoint_.port));
  resolver_.async_resolve(
      endpoint_.host, std::to_string(endpoint_.port),
      [self = shared_from_this()](const boost::system::error_code& ec,
                                  const net::ip::tcp::resolver::results_type& results) {
        if (self->closed_) return;
        if (ec || results.empty()) {
          self->finding_ = false;
          self->log_outage("cannot resolve " + self->endpoint_.host + ": " +
                           (ec ? ec.message() : "no address"));
          self->fail_held(false, "cannot resolve");
          return self->schedule_reconnect();
        }
        auto chosen = results.begin();
        for (auto it = results.begin(); it != results.end(); ++it) {
          if (it->endpoint().address().is_v4()) {
            chosen = it;
            break;
          }
        }
        self->do_connect(chosen->endpoint());
      });
}

void redis_connection::schedule_reconnect() {
  auto self = weak_from_this().lock();
  if (closed_ || !self) return;
  const std::chrono::milliseconds base = std::min<std::chrono::milliseconds>(
      options_.backoff_initial * (1LL << std::min(attempt_, 20u)), options_.backoff_max);
  ++attempt_;
  reconnect_timer_.expires_after(std::exchange(at_once_, false) ? std::chrono::milliseconds(0)
                                                                : jittered(base));
  reconnect_timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec && !self->closed_ && !self->link_ && !self->finding_) self->do_locate();
  });
}

void redis_connection::on_role(std::uint64_t gen, const redis_reply& role) {
  if (closed_ || gen != generation_ || !link_) return;
  // The backoff starts again once a server answered us (become_ready, or ROLE: a replica is
  // asked about again soon); not after a bare connect, which a refused client certificate
  // (TLS 1.3) or a bad password follows, so that those are not retried every 100 ms.
  if (!options_.require_master) {  // a PING (TLS): PONG, or an error (NOAUTH ...)
    if (role.ok()) return become_ready();
    log_outage(describe(endpoint_) + " did not answer PING: " + role.str);
    return drop_link("no answer to PING");
  }
  const bool master = role.type == redis_reply::kind::array && !role.elements.empty() &&
                      role.elements[0].str == "master";
  if (role.type == redis_reply::kind::array) attempt_ = 0;
  if (master) return become_ready();
  log_outage(describe(endpoint_) + " is not a writable master (ROLE: " +
             (role.type == redis_reply::kind::array && !role.elements.empty()
                  ? role.elements[0].str
                  : role.str) +
             "), asking again");
  drop_link("not a master");
}

void redis_connection::become_ready() {
  attempt_ = 0;
  connect_timer_.cancel();
  connected_ = true;
  if (std::exchange(ever_connected_, true)) metrics::redis_reconnects.get().inc();
  outage_logged_ = tls_failure_logged_ = false;
  for (const auto& c : channels_) send_subscription("SUBSCRIBE", c);
  for (const auto& p : patterns_) send_subscription("PSUBSCRIBE", p);
  auto waiting = std::exchange(held_, {});
  for (auto& cmd : waiting) send(std::move(cmd));
  spdlog::info("redis {}: connected to {}{}", options_.name, describe(endpoint_),
               options_.require_master ? " (master)" : "");
  if (on_state_) on_state_(true);
}

void redis_connection::command(std::vector<std::string> args, reply_callback done,
                               std::chrono::milliseconds deadline) {
  if (closed_) return;
  if (pubsub_ || args.empty()) {
    redis_reply r;
    r.type = args.empty() ? redis_reply::kind::unavailable : redis_reply::kind::error;
    r.str = args.empty() ? "empty command" : "ERR command on a pub/sub connection";
    return deliver(std::move(done), std::move(r));
  }
  // No connection and none being made (Redis is down, waiting for the next attempt): at once.
  if (!connected_ && !link_ && !finding_)
    return deliver(std::move(done), redis_reply::unavailable_because("not connected"));
  auto cmd = make_command(std::move(args), std::move(done), deadline);
  if (connected_) return send(std::move(cmd));
  hold(std::move(cmd));
}

redis_connection::command_ptr redis_connection::make_command(std::vector<std::string> args,
                                                             reply_callback done,
                                                             std::chrono::milliseconds deadline) {
  auto cmd = std::make_shared<pending_command>(loop_, std::move(args), std::move(done));
  cmd->deadline.expires_after(deadline.count() > 0 ? deadline : options_.command_deadline);
  cmd->deadline.async_wait([self = weak_from_this(), cmd](const boost::system::error_code& ec) {
    if (ec || cmd->finished) return;
    // A sent command cannot be taken back: its reply will still come, and find it finished.
    // A held one is skipped when the queue is sent.
    cmd->finished = true;
    if (auto s = self.lock()) s->deliver(std::move(cmd->done), redis_reply::unavailable_because("deadline passed"));
  });
  return cmd;
}

void redis_connection::hold(command_ptr cmd) {
  if (cmd->finished || closed_) return;
  // Answered ones (deadline passed) leave room first.
  std::erase_if(held_, [](const command_ptr& c) { return c->finished; });
  if (held_.size() >= max_held) {
    cmd->finished = true;
    cmd->deadline.cancel();
    return deliver(std::move(cmd->done), redis_reply::unavailable_because("too many commands waiting"));
  }
  held_.push_back(std::move(cmd));
}

// A connection attempt failed: commands that were waiting for it are answered now (the
// caller hears `unavailable` at once while Redis is down); retries wait for their deadline.
void redis_connection::fail_held(bool retries_too, const char* why) {
  std::deque<command_ptr> keep;
  for (auto& cmd : held_) {
    if (cmd->finished) continue;
    if (cmd->retried && !retries_too) {
      keep.push_back(std::move(cmd));
      continue;
    }
    cmd->finished = true;
    cmd->deadline.cancel();
    deliver(std::move(cmd->done), redis_reply::unavailable_because(why));
  }
  held_ = std::move(keep);
}

// Retried once: a command Redis refused because this server is a replica now (READONLY: not
// executed), and one in flight when the connection went (`reply` null) unless it is a PUBLISH,
// which may have been delivered before the loss.
bool redis_connection::should_retry(const pending_command& cmd, const redis_reply* reply) const {
  if (closed_ || cmd.retried) return false;
  if (reply) return reply->type == redis_reply::kind::error && reply->str.starts_with("READONLY");
  return cmd.args.front() != "PUBLISH";
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

void redis_connection::log_outage(const std::string& what) {
  if (!std::exchange(outage_logged_, true)) spdlog::warn("redis {}: {}", options_.name, what);
}

// Remembered for reconnects; sent now only when connected (become_ready sends the whole set).
void redis_connection::change(name_set& set, const std::string& name, bool add,
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
