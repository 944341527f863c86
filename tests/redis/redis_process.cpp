#include "tests/redis/redis_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace txrt::test {

namespace {

// A blocking TCP connection to 127.0.0.1:port with 5 s send/receive timeouts; -1 on failure.
int connect_local(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void append_command(const std::vector<std::string>& args, std::string& out) {
  out += "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("free_port: cannot bind");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

redis_process::redis_process(std::uint16_t port) : port_(port == 0 ? free_port() : port) {}

redis_process::~redis_process() {
  stop();
}

bool redis_process::start() {
  if (running()) return true;
  const std::string port = std::to_string(port_);
  std::vector<std::string> args = {
      "redis-server", "--port", port,          "--bind", "127.0.0.1",  "--save", "",
      "--appendonly", "no",     "--daemonize", "no",     "--loglevel", "warning"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  const int rc = ::posix_spawnp(&pid_, "redis-server", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return false;
  }
  // Bounded wait for the server to answer: polling a condition, not sleeping on a guess.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (call({"PING"}) == "+PONG") return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // died (port taken?)
      pid_ = -1;
      return false;
    }
    ::usleep(20 * 1000);
  }
  stop();
  return false;
}

void redis_process::stop() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void redis_process::pause() {
  if (running()) ::kill(pid_, SIGSTOP);
}

void redis_process::resume() {
  if (running()) ::kill(pid_, SIGCONT);
}

std::string redis_process::call(const std::vector<std::string>& args) const {
  const int fd = connect_local(port_);
  if (fd < 0) return {};
  std::string request;
  append_command(args, request);
  std::string reply;
  if (write_all(fd, request)) {
    char buf[4096];
    while (reply.find("\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      reply.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const auto end = reply.find("\r\n");
  return end == std::string::npos ? std::string() : reply.substr(0, end);
}

std::size_t redis_process::pipeline(const std::vector<std::vector<std::string>>& commands) const {
  const int fd = connect_local(port_);
  if (fd < 0) return 0;
  std::string request;
  for (const auto& c : commands) append_command(c, request);
  std::size_t lines = 0;
  if (write_all(fd, request)) {
    // Counts single-line replies (integers, statuses), which is what PUBLISH and SET answer.
    char buf[4096];
    char last = 0;
    while (lines < commands.size()) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i) {
        if (last == '\r' && buf[i] == '\n') ++lines;
        last = buf[i];
      }
    }
  }
  ::close(fd);
  return lines;
}

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  auto guard = boost::asio::make_work_guard(io);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return done();
}

void run_for(boost::asio::io_context& io, std::chrono::milliseconds span) {
  auto guard = boost::asio::make_work_guard(io);
  if (io.stopped()) io.restart();
  io.run_for(span);
}

}  // namespace txrt::test
