#include "bridge/redis_sentinel.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "bridge/bridge_metrics.hpp"

namespace txrt::bridge {

namespace {

constexpr std::string_view switch_channel = "+switch-master";

bool same_address(const redis_endpoint& a, const redis_endpoint& b) {
  return a.host == b.host && a.port == b.port;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

}  // namespace

std::shared_ptr<redis_sentinel> redis_sentinel::create(net::io_context& loop,
                                                       sentinel_options options) {
  return std::shared_ptr<redis_sentinel>(new redis_sentinel(loop, std::move(options)));
}

redis_sentinel::redis_sentinel(net::io_context& loop, sentinel_options options)
    : loop_(loop), options_(std::move(options)) {
  queries_ = sentinel_connection("sentinel", options_.sentinels);
  for (const auto& s : options_.sentinels)
    events_.push_back(sentinel_connection("sentinel-events " + describe(s), {s}));
}

// Takes the sentinels of `list` in turn, one per connection attempt, so that a sentinel that is
// down costs one attempt.
std::shared_ptr<redis_connection> redis_sentinel::sentinel_connection(
    std::string name, std::vector<redis_endpoint> list) {
  redis_options o;
  o.name = std::move(name);
  o.command_deadline = options_.query_deadline;
  o.connect_timeout = options_.query_deadline;
  o.tls = options_.tls;
  o.locate = [list = std::move(list), next = std::make_shared<std::size_t>(0)](
                 locate_callback done) { done(list[(*next)++ % list.size()], {}); };
  return redis_connection::create(loop_, std::move(o));
}

void redis_sentinel::start() {
  for (const auto& events : events_) watch(*events);
  queries_->start();
  for (const auto& events : events_) events->start();
}

void redis_sentinel::watch(redis_connection& events) {
  events.on_message([w = weak_from_this()](std::string_view channel, std::string_view payload,
                                           std::string_view) {
    auto self = w.lock();
    if (!self || channel != switch_channel) return;
    auto change = parse_switch(payload);
    if (change && change->name == self->options_.master_name) self->on_switch(std::move(*change));
  });
  // (Re)subscribed: a switch may have happened while we were not listening; ask.
  events.on_subscription([w = weak_from_this()](std::string_view, bool, bool active) {
    if (auto self = w.lock(); self && active) self->locate([](auto, auto) {});
  });
  events.subscribe(std::string(switch_channel));
}

void redis_sentinel::close() {
  closed_ = true;
  queries_->close();
  for (const auto& events : events_) events->close();
}

void redis_sentinel::on_switch(master_switch change) {
  std::erase_if(left_, [&](const auto& ep) { return same_address(ep, change.to); });
  if (std::none_of(left_.begin(), left_.end(),
                   [&](const auto& ep) { return same_address(ep, change.from); }))
    left_.push_back(change.from);
  learn(std::move(change.to), "+switch-master");
}

void redis_sentinel::locate(locate_callback done) {
  if (closed_) return done(std::nullopt, "closed");
  queries_->command(
      {"SENTINEL", "get-master-addr-by-name", options_.master_name},
      [self = shared_from_this(), done = std::move(done)](redis_reply reply) {
        auto master = parse_master_address(reply);
        if (!master) {
          // A sentinel that does not answer is skipped: the next attempt asks another one.
          if (reply.type == redis_reply::kind::unavailable) self->queries_->reconnect();
          return done(std::nullopt,
                      reply.type == redis_reply::kind::nil
                          ? "the sentinel does not know master '" + self->options_.master_name + "'"
                          : "no sentinel answered (" + reply.str + ")");
        }
        // A sentinel that has not heard of the last switch yet names the old master.
        if (self->known_ && std::any_of(self->left_.begin(), self->left_.end(), [&](const auto& ep) {
              return same_address(ep, *master);
            }))
          master = self->known_;
        master->user = self->options_.master.user;
        master->password = self->options_.master.password;
        master->db = self->options_.master.db;
        master->tls = self->options_.master.tls;
        self->learn(*master, "sentinel");
        done(std::move(*master), {});
      },
      options_.query_deadline);
}

redis_options redis_sentinel::master_options(std::string name, std::chrono::milliseconds deadline) {
  redis_options o;
  o.endpoint = options_.master;
  o.name = std::move(name);
  o.command_deadline = deadline;
  o.require_master = true;
  o.tls = options_.tls;
  o.locate = [self = shared_from_this()](locate_callback done) { self->locate(std::move(done)); };
  return o;
}

redis_options redis_sentinel::master_options_on(net::io_context& conn_loop, std::string name) {
  redis_options o = master_options(std::move(name));
  if (&conn_loop == &loop_) return o;
  o.locate = [self = shared_from_this(), &conn_loop](locate_callback done) {
    net::post(self->loop_, [self, &conn_loop, done = std::move(done)]() mutable {
      self->locate([&conn_loop, done = std::move(done)](std::optional<redis_endpoint> master,
                                                        std::string why) mutable {
        net::post(conn_loop, [done = std::move(done), master = std::move(master),
                              why = std::move(why)]() mutable {
          done(std::move(master), std::move(why));
        });
      });
    });
  };
  return o;
}

void redis_sentinel::follow(const std::shared_ptr<redis_connection>& conn) {
  followers_.push_back(conn);
}

void redis_sentinel::learn(redis_endpoint master, std::string_view how) {
  if (closed_) return;
  if (known_ && same_address(*known_, master)) return;
  if (known_) {
    spdlog::warn("redis: master '{}' switched from {} to {} ({}): reconnecting to it",
                 options_.master_name, describe(*known_), describe(master), how);
    metrics::redis_failovers.get().inc();
  } else {
    spdlog::info("redis: master '{}' is at {}", options_.master_name, describe(master));
  }
  known_ = master;
  std::erase_if(followers_, [](const auto& w) { return w.expired(); });
  for (const auto& w : followers_) {
    // Connections on the old master (or waiting to retry it) go at once; one asking the
    // sentinels now will be told the new one.
    auto conn = w.lock();
    if (!conn) continue;
    // A follower on another loop is told on its own loop, where its endpoint may be read.
    net::dispatch(conn->get_executor(), [conn, master] {
      if (!same_address(conn->endpoint(), master)) conn->reconnect();
    });
  }
}

std::optional<redis_endpoint> redis_sentinel::parse_master_address(const redis_reply& reply) {
  if (reply.type != redis_reply::kind::array || reply.elements.size() != 2) return std::nullopt;
  const auto& host = reply.elements[0];
  const auto& port = reply.elements[1];
  if (host.type != redis_reply::kind::string || host.str.empty() ||
      port.type != redis_reply::kind::string)
    return std::nullopt;
  auto number = parse_port(port.str);
  if (!number) return std::nullopt;
  redis_endpoint ep;
  ep.host = host.str;
  ep.port = *number;
  return ep;
}

std::optional<master_switch> redis_sentinel::parse_switch(std::string_view payload) {
  std::vector<std::string_view> words;
  while (!payload.empty()) {
    const auto space = payload.find(' ');
    const auto word = payload.substr(0, space);
    if (!word.empty()) words.push_back(word);
    if (space == std::string_view::npos) break;
    payload.remove_prefix(space + 1);
  }
  if (words.size() != 5) return std::nullopt;
  auto from_port = parse_port(words[2]);
  auto to_port = parse_port(words[4]);
  if (!from_port || !to_port) return std::nullopt;
  master_switch out;
  out.name = words[0];
  out.from.host = words[1];
  out.from.port = *from_port;
  out.to.host = words[3];
  out.to.port = *to_port;
  return out;
}

}  // namespace txrt::bridge
