#pragma once
// Test support: a redis-server child process, a blocking RESP client for setting up data
// independently of the code under test, and a loop runner that waits for a condition.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace txrt::test {

// `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no`, killed by PID.
class redis_process {
 public:
  // Port 0: a free port is picked now (the server is not started).
  explicit redis_process(std::uint16_t port = 0);
  ~redis_process();
  redis_process(const redis_process&) = delete;
  redis_process& operator=(const redis_process&) = delete;

  // Spawns the server and waits (at most 10 s) until it answers PING; false if it does not.
  bool start();
  // SIGKILL by PID, then reaps it. Idempotent.
  void stop();
  // SIGSTOP / SIGCONT: a server that accepts nothing and answers nothing.
  void pause();
  void resume();

  bool running() const noexcept { return pid_ > 0; }
  std::uint16_t port() const noexcept { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  // One command over a fresh blocking connection; returns the first line of the reply
  // ("+OK", ":1", "$-1", "-ERR ..."), or "" on failure. For test setup only.
  std::string call(const std::vector<std::string>& args) const;
  // Many commands written in one go (pipelined); returns how many replies came back.
  std::size_t pipeline(const std::vector<std::vector<std::string>>& commands) const;

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

std::uint16_t free_port();

// Runs `io` until `done()` holds or `limit` passes; returns done().
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::milliseconds(5000));
// Runs `io` for `span` (to check that something does NOT happen).
void run_for(boost::asio::io_context& io, std::chrono::milliseconds span);

}  // namespace txrt::test
