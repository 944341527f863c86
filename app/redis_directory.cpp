#include "app/redis_directory.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include <boost/asio/post.hpp>

#include "bridge/channels.hpp"

namespace txrt::telecomx {

struct redis_directory::core {
  using clock = std::chrono::steady_clock;
  struct cached {
    std::string parent;  // empty: a root
    clock::time_point expires;
  };

  std::shared_ptr<redis_connection> commands;
  std::string key;
  std::chrono::milliseconds deadline;
  std::chrono::seconds ttl;
  std::mutex mutex;  // guards cache: walks run on the Redis loop, invalidate() anywhere
  std::unordered_map<std::string, cached> cache;

  bool lookup(const std::string& customer, std::string& parent) {
    std::lock_guard lock(mutex);
    auto it = cache.find(customer);
    if (it == cache.end()) return false;
    if (it->second.expires <= clock::now()) {
      cache.erase(it);
      return false;
    }
    parent = it->second.parent;
    return true;
  }

  void remember(const std::string& customer, const std::string& parent) {
    std::lock_guard lock(mutex);
    if (cache.size() >= max_cached) cache.clear();
    cache[customer] = cached{parent, clock::now() + ttl};
  }
};

// One parent_chain() call. Only one step runs at a time (each hop is handed over by a post),
// so its fields need no lock.
struct redis_directory::walk : std::enable_shared_from_this<walk> {
  std::shared_ptr<core> dir;
  std::string start;
  std::string current;  // the customer whose parent is looked up next
  auth::chain_result result;
  boost::asio::any_io_executor caller;
  auth::chain_callback done;

  void step() {
    while (result.parents.size() < max_hops) {
      std::string parent;
      if (!dir->lookup(current, parent)) return fetch();
      if (parent.empty() || seen(parent)) break;  // a root, or a cycle
      result.parents.push_back(parent);
      current = std::move(parent);
    }
    finish(true);
  }

  // A cache miss: one HGET on the connection's loop, then carry on from its answer.
  void fetch() {
    boost::asio::post(dir->commands->get_executor(), [self = shared_from_this()]() {
      self->dir->commands->command(
          {"HGET", self->dir->key, self->current},
          [self](redis_reply reply) {
            if (reply.type != redis_reply::kind::nil && reply.type != redis_reply::kind::string)
              return self->finish(false);
            self->dir->remember(self->current, reply.str);  // nil: str is empty, a root
            self->step();
          },
          self->dir->deadline);
    });
  }

  bool seen(const std::string& c) const {
    return c == start ||
           std::find(result.parents.begin(), result.parents.end(), c) != result.parents.end();
  }

  void finish(bool ok) {
    result.ok = ok;
    if (!ok) result.parents.clear();
    boost::asio::post(caller, [done = std::move(done), r = std::move(result)]() { done(r); });
  }
};

redis_directory::redis_directory(std::shared_ptr<redis_connection> commands, std::string prefix,
                                 std::chrono::milliseconds deadline, std::chrono::seconds ttl)
    : core_(std::make_shared<core>()) {
  core_->commands = std::move(commands);
  core_->key = bridge::customer_parent_key(prefix);
  core_->deadline = deadline;
  core_->ttl = ttl;
}

redis_directory::redis_directory(net::io_context& loop, const std::string& url, std::string prefix,
                                 std::chrono::milliseconds deadline, std::chrono::seconds ttl)
    : redis_directory(bridge::open_redis(loop, url, "directory", deadline), std::move(prefix), deadline,
                      ttl) {
  owns_connection_ = true;
}

redis_directory::~redis_directory() {
  if (owns_connection_) close_on_loop(core_->commands);
}

void redis_directory::parent_chain(const std::string& customer, boost::asio::any_io_executor caller,
                                   auth::chain_callback done) {
  auto w = std::make_shared<walk>();
  w->dir = core_;
  w->start = customer;
  w->current = customer;
  w->caller = std::move(caller);
  w->done = std::move(done);
  w->step();
}

void redis_directory::invalidate(const std::string& customer) {
  std::lock_guard lock(core_->mutex);
  core_->cache.erase(customer);
}

}  // namespace txrt::telecomx
