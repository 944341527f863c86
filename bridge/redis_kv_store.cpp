#include "bridge/redis_kv_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace txrt::bridge {

redis_kv_store::redis_kv_store(std::shared_ptr<redis_command_pool> commands,
                               std::chrono::milliseconds deadline)
    : commands_(std::move(commands)),
      deadline_(deadline),
      failures_(std::make_shared<std::atomic<std::uint64_t>>(0)) {}

redis_kv_store::redis_kv_store(std::shared_ptr<redis_connection> commands,
                               std::chrono::milliseconds deadline)
    : redis_kv_store(std::make_shared<redis_command_pool>(
                         std::vector<std::shared_ptr<redis_connection>>{std::move(commands)}),
                     deadline) {}

void redis_kv_store::run_anywhere(std::vector<std::string> args,
                                  redis_connection::reply_callback done) {
  // The callbacks hold neither the store nor the pool: either may go meanwhile.
  commands_->command(std::move(args), std::move(done), deadline_);
}

void redis_kv_store::run(std::vector<std::string> args, redis_connection::reply_callback done) {
  if (!done || commands_->answers_on_bus_loop())
    return run_anywhere(std::move(args), std::move(done));
  run_anywhere(std::move(args), [bus_loop = commands_->primary()->get_executor(),
                                 done = std::move(done)](redis_reply r) mutable {
    boost::asio::post(bus_loop, [done = std::move(done), r = std::move(r)]() mutable {
      done(std::move(r));
    });
  });
}

void redis_kv_store::set(std::string key, std::string value, std::chrono::milliseconds ttl,
                         std::function<void(bool ok)> done) {
  std::vector<std::string> args{"SET", std::move(key), std::move(value), "PX",
                                std::to_string(ttl.count())};
  if (!done) return run_anywhere(std::move(args), nullptr);  // nothing to hand over
  run(std::move(args), [done = std::move(done)](redis_reply r) {
    done(r.type == redis_reply::kind::status && r.str == "OK");
  });
}

void redis_kv_store::expire(std::string key, std::chrono::milliseconds ttl,
                            std::function<void(bool ok)> done) {
  // Refused here, not sent: Redis takes a PEXPIRE of zero or less as DEL.
  if (ttl.count() <= 0) {
    if (done)
      boost::asio::post(commands_->primary()->get_executor(), [done = std::move(done)] { done(false); });
    return;
  }
  std::vector<std::string> args{"PEXPIRE", std::move(key), std::to_string(ttl.count())};
  if (!done) return run_anywhere(std::move(args), nullptr);
  run(std::move(args), [done = std::move(done)](redis_reply r) {
    done(r.type == redis_reply::kind::integer && r.integer == 1);
  });
}

void redis_kv_store::get(std::string key, kv_callback done) {
  run({"GET", std::move(key)}, [done = std::move(done)](redis_reply r) {
    if (done) done(interpret(r));
  });
}

void redis_kv_store::hset(std::string key, std::string field, std::string value) {
  // The callback only counts (an atomic): it may run on any loop.
  run_anywhere({"HSET", std::move(key), std::move(field), std::move(value)},
               [failures = failures_](redis_reply r) {
        if (r.type == redis_reply::kind::integer) return;
        if (failures->fetch_add(1) == 0)
          spdlog::warn("kv store: HSET failed ({}); further failures are counted", r.str);
      });
}

void redis_kv_store::hget(std::string key, std::string field, kv_callback done) {
  run({"HGET", std::move(key), std::move(field)}, [done = std::move(done)](redis_reply r) {
    if (done) done(interpret(r));
  });
}

kv_value redis_kv_store::interpret(const redis_reply& reply) {
  switch (reply.type) {
    case redis_reply::kind::string:
      return kv_value{true, reply.str};
    case redis_reply::kind::nil:
      return kv_value{true, std::nullopt};
    default:
      return kv_value{false, std::nullopt};
  }
}

}  // namespace txrt::bridge
