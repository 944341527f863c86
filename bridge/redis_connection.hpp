#pragma once
// One asynchronous Redis connection on one io_context: an Asio TCP socket (with an OpenSSL layer
// for rediss://) that this class reads and writes itself, and hiredis used only as the RESP
// codec (redisFormatCommandArgv out, a redisReader in). The only hiredis user in the project;
// callers see redis_reply, never hiredis types.
//
// Life of a connection: start() finds where to connect (the fixed endpoint, or options.locate:
// the sentinels' answer), resolves the host, connects and (TLS) handshakes, verifying the
// server's certificate and name, all within connect_timeout, AUTHs / SELECTs, and with
// options.require_master checks with ROLE that the server is a master (a replica is dropped and
// asked for again) — over TLS without require_master, a PING answered: the server took our
// certificate. Only then is it connected(): subscriptions are replayed and held commands sent.
// After any loss it reconnects with exponential backoff (backoff_initial doubling to backoff_max,
// with jitter) until close(); reconnect() drops the connection and starts again at once (the master
// switched).
//
// Commands are never lost silently: one issued while connecting waits (until its deadline) for
// the connection to be ready; one issued while there is no connection at all is answered
// `unavailable` at once; one that was in flight when the connection was lost, or that Redis
// refused with READONLY (we are talking to a demoted master), is retried once on the next
// connection within its deadline, else answered `unavailable`. PUBLISH is not retried after a
// loss: it may have been delivered already, and a repeat would deliver it twice.
//
// Two roles, fixed by the first call: a command connection (command()), or a pub/sub connection
// (subscribe()/psubscribe(); command() then answers an error, since Redis refuses regular
// commands on a subscribed connection).
//
// Threading: create() anywhere; every other member must be called on the loop's thread (or
// before the loop runs). Callbacks run on the loop. After close() (or destruction) no callback
// runs, and pending commands are dropped without an answer.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bridge/redis_url.hpp"

namespace txrt::bridge {

namespace net = boost::asio;

struct redis_reply {
  enum class kind : std::uint8_t {
    unavailable,  // no answer: not connected, connection lost, or the deadline passed
    error,        // Redis answered an error ("ERR ...", "WRONGTYPE ...")
    nil,
    string,
    status,  // "+OK"
    integer,
    array,
  };
  kind type = kind::unavailable;
  std::string str;  // string, status, error text; for unavailable: why (for logs)
  long long integer = 0;
  std::vector<redis_reply> elements;

  bool ok() const noexcept { return type != kind::unavailable && type != kind::error; }
  static redis_reply unavailable_because(std::string why) {
    redis_reply r;
    r.str = std::move(why);
    return r;
  }
};

// Where to connect next: an endpoint, or nullopt and why not (no sentinel answered).
using locate_callback = std::function<void(std::optional<redis_endpoint>, std::string why)>;
using locate_function = std::function<void(locate_callback)>;

struct redis_options {
  redis_endpoint endpoint;  // where to connect, unless `locate` is set
  // Asked before every connection attempt; its callback runs on the loop (inline is fine).
  locate_function locate;
  // Checked with ROLE after each connect: a server that is not a master is dropped.
  bool require_master = false;
  // For endpoints with tls (rediss://): trust store and client certificate (redis_tls.hpp),
  // shared by all the connections of a node. Null: the system's trust store, no client cert.
  std::shared_ptr<net::ssl::context> tls;
  std::string name = "redis";  // in log lines: "redis bus-sub: connected to ..."
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_deadline{2000};  // default per-command deadline
  std::chrono::milliseconds backoff_initial{100};
  // Retries at most a second apart (jitter: half to all of it), so that delivery and
  // authentication resume within ~1 s of Redis coming back (issue: within 2 s).
  std::chrono::milliseconds backoff_max{1000};
};

class redis_connection : public std::enable_shared_from_this<redis_connection> {
 public:
  using reply_callback = std::function<void(redis_reply)>;
  using state_callback = std::function<void(bool connected)>;
  // A pub/sub message; `pattern` is the PSUBSCRIBE pattern it matched, empty for a message on a
  // SUBSCRIBEd channel (a channel that is both arrives twice, once each way, as Redis sends it).
  using message_callback = std::function<void(std::string_view channel, std::string_view payload,
                                              std::string_view pattern)>;
  // Redis confirmed a (p)subscribe (active) or a (p)unsubscribe (!active).
  using subscription_callback =
      std::function<void(std::string_view name, bool pattern, bool active)>;

  static std::shared_ptr<redis_connection> create(net::io_context& loop, redis_options options);
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  // Set before start(). State changes are reported on change only (a Redis that is down from
  // the start reports nothing until it is first reached).
  void on_state(state_callback cb) { on_state_ = std::move(cb); }
  // Runs inside the read handler, once per message, in arrival order; may call any member.
  void on_message(message_callback cb) { on_message_ = std::move(cb); }
  void on_subscription(subscription_callback cb) { on_subscription_ = std::move(cb); }

  // Begins connecting (posted to the loop, so it may be called before the loop runs).
  void start();
  // Disconnects for good: no reconnect, no callback afterwards. Safe inside any callback.
  void close();

  // Connected, authenticated and (require_master) confirmed a master.
  bool connected() const noexcept { return connected_; }
  // Where the connection is (or was last): for logs and for comparing with a new master.
  const redis_endpoint& endpoint() const noexcept { return endpoint_; }
  // Drops the current connection (in-flight commands are retried once, as on a loss) and
  // connects again at once, asking `locate` anew. For a master switch.
  void reconnect();
  net::io_context::executor_type get_executor() noexcept { return loop_.get_executor(); }

  // Sends one command ("GET", key). `done` runs later on the loop, exactly once (unless close()
  // comes first): with Redis' reply, or `unavailable` when there is no connection (at once), when
  // it is lost and cannot be retried (above), or when `deadline` (0: options' command_deadline)
  // passes. Commands issued while connecting are held and sent once connected().
  void command(std::vector<std::string> args, reply_callback done,
               std::chrono::milliseconds deadline = std::chrono::milliseconds::zero());

  // Pub/sub: the sets are remembered and replayed after every reconnect.
  void subscribe(const std::string& channel) {
    pubsub_ = true;
    change(channels_, channel, true, "SUBSCRIBE");
  }
  void unsubscribe(const std::string& channel) { change(channels_, channel, false, "UNSUBSCRIBE"); }
  void psubscribe(const std::string& pattern) {
    pubsub_ = true;
    change(patterns_, pattern, true, "PSUBSCRIBE");
  }
  void punsubscribe(const std::string& pattern) {
    change(patterns_, pattern, false, "PUNSUBSCRIBE");
  }
  // Whether `channel` is in the subscribe() set (from subscribe() until unsubscribe(), whether
  // or not Redis has confirmed it): a message on a channel no longer wanted may still arrive.
  bool subscribed(std::string_view channel) const { return channels_.contains(channel); }

 private:
  // One TCP (or TLS) connection: socket, RESP reader, write queue, commands awaiting replies
  // (redis_connection.cpp). Replaced by a new one on every connect.
  struct link;
  struct pending_command;

  redis_connection(net::io_context& loop, redis_options options);

  using command_ptr = std::shared_ptr<pending_command>;

  // redis_connection_flow.cpp: finding the server, readiness, holding and retrying commands.
  void do_locate();
  void on_located(std::optional<redis_endpoint> endpoint, const std::string& why);
  void do_resolve();
  void schedule_reconnect();
  void on_role(std::uint64_t generation, const redis_reply& role);
  void become_ready();
  void hold(command_ptr cmd);
  void fail_held(bool retries_too, const char* why);
  bool should_retry(const pending_command& cmd, const redis_reply* reply) const;
  command_ptr make_command(std::vector<std::string> args, reply_callback done,
                           std::chrono::milliseconds deadline);
  using name_set = std::set<std::string, std::less<>>;  // transparent: found by string_view
  void change(name_set& set, const std::string& name, bool add, const char* verb);
  void deliver(reply_callback done, redis_reply reply);
  void log_outage(const std::string& what);

  // redis_connection.cpp: the socket and hiredis' codec.
  void do_connect(const net::ip::tcp::endpoint& where);
  void on_tcp_connected(const std::shared_ptr<link>& l);
  void on_connected();
  void drop_link(const std::string& why);
  void do_read(const std::shared_ptr<link>& l);
  void on_read(const std::shared_ptr<link>& l, std::size_t n);
  bool dispatch(link& l, void* reply);
  void answer(const command_ptr& cmd, std::optional<redis_reply> reply);
  void do_write(const std::shared_ptr<link>& l);
  void start_write(const std::shared_ptr<link>& l);
  void send(command_ptr cmd);
  void handshake(std::vector<std::string> args, reply_callback done);
  void send_subscription(const char* verb, const std::string& name);

  net::io_context& loop_;
  redis_options options_;
  redis_endpoint endpoint_;  // the located one (options_.endpoint without `locate`)
  net::ip::tcp::resolver resolver_;
  net::steady_timer connect_timer_;
  net::steady_timer reconnect_timer_;

  std::shared_ptr<link> link_;  // the current connection (connecting or connected), or none
  // Bumped whenever a link appears or goes away: completions of an older link are ignored.
  std::uint64_t generation_ = 0;
  bool connected_ = false;
  bool closed_ = false;
  bool finding_ = false;  // between do_locate() and do_connect(): locating, resolving
  bool at_once_ = false;  // reconnect(): the next attempt without backoff
  bool pubsub_ = false;
  bool outage_logged_ = false;
  bool tls_failure_logged_ = false;  // a refused certificate: logged once until connected again
  unsigned attempt_ = 0;             // consecutive failed connects, for the backoff
  bool ever_connected_ = false;      // a later connect is a reconnect (txrt_redis_reconnects_total)

  // Commands waiting for connected(): issued while connecting, or to be retried once. Each is
  // answered by its deadline at the latest; at most max_held, past that `unavailable`.
  std::deque<command_ptr> held_;
  static constexpr std::size_t max_held = 10000;

  name_set channels_, patterns_;
  state_callback on_state_;
  message_callback on_message_;
  subscription_callback on_subscription_;
};

// A command on its way: sent, held until the connection is ready, or waiting for its retry.
struct redis_connection::pending_command {
  pending_command(net::io_context& loop, std::vector<std::string> a, reply_callback cb)
      : deadline(loop), args(std::move(a)), done(std::move(cb)) {}
  net::steady_timer deadline;
  std::vector<std::string> args;  // kept for the one retry
  reply_callback done;
  bool finished = false;  // answered (by Redis, by the loss of the context, or by the deadline)
  bool retried = false;   // sent a second time already (or never to be retried)
};

// Parses `url` (parse_redis_url), creates the connection and start()s it. Throws
// std::invalid_argument naming the problem for a bad URL: configuration fails at start-up.
std::shared_ptr<redis_connection> open_redis(
    net::io_context& loop, std::string_view url, std::string name,
    std::chrono::milliseconds command_deadline = std::chrono::milliseconds(2000));

// Closes `conn` on its own loop (destructors of its users may run on other threads).
void close_on_loop(const std::shared_ptr<redis_connection>& conn);

}  // namespace txrt::bridge
