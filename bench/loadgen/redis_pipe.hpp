#pragma once
// A blocking, pipelined Redis connection: the only file of the load generator that knows
// hiredis. Commands are appended to an output buffer and sent together by flush(), which then
// reads every reply, so a batch costs one round trip.
// Not thread-safe: one owner thread (the publisher's, or the controller's).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "bench/loadgen/options.hpp"

struct redisContext;

namespace txrt::bench {

class redis_pipe {
 public:
  redis_pipe() = default;
  ~redis_pipe();
  redis_pipe(const redis_pipe&) = delete;
  redis_pipe& operator=(const redis_pipe&) = delete;

  // Connects with a 5 s deadline (also the deadline of every later read). False: see error().
  bool connect(const endpoint& where);

  void append(std::initializer_list<std::string_view> args);
  std::size_t pending() const noexcept { return pending_; }

  // Sends what was appended and reads every reply. Integer replies are added to `integers`.
  // False on a connection failure or on the first error reply (the rest are still read).
  bool flush(std::uint64_t* integers = nullptr);

  const std::string& error() const noexcept { return error_; }

 private:
  redisContext* context_ = nullptr;
  std::size_t pending_ = 0;
  std::string error_;
};

}  // namespace txrt::bench
