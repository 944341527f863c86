#pragma once
// One Redis command connection per event loop. A command issued on a loop is written, answered
// and called back on that loop's own connection: it never crosses to the bus loop and back,
// which cost every connect two hops (validator GET, record SET, presence HSET, the lifecycle
// PUBLISHes). Connection 0 runs on the bus loop; it is the bus's own command connection.
//
// Ordering: the commands one thread issues go on one connection, in the order issued — so a
// SET followed by a PUBLISH on the same thread is done by Redis in that order (request/reply
// relies on it). Commands from different loops are not ordered among themselves, just as the
// commands of two nodes are not.
//
// Threading: command() and local() from any thread; a thread that runs none of the pool's loops
// gets connection 0 (the bus loop's), posted to it.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bridge/redis_connection.hpp"

namespace txrt::bridge {

class redis_command_pool {
 public:
  // `per_loop[i]` runs on loop i; not empty; [0] is the bus loop's.
  explicit redis_command_pool(std::vector<std::shared_ptr<redis_connection>> per_loop);

  // The connection of the loop the calling thread runs, or null on any other thread.
  redis_connection* local() const noexcept;
  // The bus loop's connection.
  const std::shared_ptr<redis_connection>& primary() const noexcept { return per_loop_.front(); }
  const std::vector<std::shared_ptr<redis_connection>>& all() const noexcept { return per_loop_; }

  // On the calling loop's connection (`done` then runs on that loop), or posted to the bus loop's
  // from a thread that runs none of the loops (`done` runs on the bus loop).
  // `deadline` 0: the connection's command_deadline.
  void command(std::vector<std::string> args, redis_connection::reply_callback done,
               std::chrono::milliseconds deadline = std::chrono::milliseconds::zero());
  // True when a command issued on this thread would be answered on the bus loop.
  bool answers_on_bus_loop() const noexcept;

  // Starts every connection (each on its own loop).
  void start();
  // Closes every connection on its own loop.
  void close();

 private:
  std::vector<std::shared_ptr<redis_connection>> per_loop_;
};

}  // namespace txrt::bridge
