#include "bridge/redis_command_pool.hpp"

#include <boost/asio/post.hpp>

namespace txrt::bridge {

redis_command_pool::redis_command_pool(std::vector<std::shared_ptr<redis_connection>> per_loop)
    : per_loop_(std::move(per_loop)) {}

redis_connection* redis_command_pool::local() const noexcept {
  // A handful of loops: a linear look at which one this thread runs is cheaper than a map.
  for (const auto& conn : per_loop_)
    if (conn->get_executor().running_in_this_thread()) return conn.get();
  return nullptr;
}

bool redis_command_pool::answers_on_bus_loop() const noexcept {
  const auto* mine = local();
  return mine == nullptr || mine == per_loop_.front().get();
}

void redis_command_pool::command(std::vector<std::string> args,
                                 redis_connection::reply_callback done,
                                 std::chrono::milliseconds deadline) {
  if (auto* mine = local()) return mine->command(std::move(args), std::move(done), deadline);
  // The lambda holds the connection, never the pool: a pool destroyed meanwhile is no problem.
  net::post(primary()->get_executor(), [conn = primary(), args = std::move(args),
                                        done = std::move(done), deadline]() mutable {
    conn->command(std::move(args), std::move(done), deadline);
  });
}

void redis_command_pool::start() {
  for (const auto& conn : per_loop_) conn->start();
}

void redis_command_pool::close() {
  for (const auto& conn : per_loop_) close_on_loop(conn);
}

}  // namespace txrt::bridge
