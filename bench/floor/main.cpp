// txrt-floor: the floor of the benchmark. It holds WebSocket connections and writes each
// event's pre-built frame to every socket of its customer the way txrt does — one thread per
// loop (2 by default), events from Redis PSUBSCRIBE on loop 0 crossing to each loop once,
// one gathered sendmsg per dirty socket per loop turn — and does nothing else: the handshake
// txrt-bench performs is answered with fixed bytes (connection.cpp), there is no Engine.IO or
// Socket.IO state, no heartbeat, no authentication, no room index beyond customer -> sockets,
// no JSON. What it costs per delivery is what the machine costs; txrt ÷ floor is txrt's overhead.
//
//   txrt-floor --listen 127.0.0.1:PORT --redis redis://127.0.0.1:PORT [--prefix rt:]
//              [--threads 2] [--io-uring true|false]
//
// --io-uring (default true, as txrt's io-uring): each loop submits the sends of a turn to
// io_uring at once instead of calling sendmsg per socket; where the kernel refuses io_uring it
// says so on stderr and uses sendmsg.
//
// Prints `ready pids=<pid>` once it listens and its PSUBSCRIBE is confirmed (as the baselines
// of bench/ do). Runs until SIGTERM or SIGINT, then prints its counters to stderr.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/floor/loop.hpp"
#include "bench/floor/redis_feed.hpp"

namespace txrt::floor {
namespace {

struct options {
  std::string listen_host = "127.0.0.1";
  int listen_port = 3000;
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string prefix = "rt:";
  int threads = 2;
  bool io_uring = true;  // as txrt's io-uring (its default): the sends of a turn in one submission
};

// "host:port", optionally after "redis://"; false when malformed.
bool parse_endpoint(std::string_view text, std::string& host, int& port) {
  if (text.starts_with("redis://")) text.remove_prefix(8);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const auto digits = text.substr(colon + 1);
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || port <= 0 || port > 65535)
    return false;
  host.assign(text.substr(0, colon));
  return true;
}

bool parse_options(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string_view value = argv[++i];
    if (arg == "--listen") {
      if (!parse_endpoint(value, o.listen_host, o.listen_port)) return false;
    } else if (arg == "--redis") {
      if (!parse_endpoint(value, o.redis_host, o.redis_port)) return false;
    } else if (arg == "--prefix") {
      o.prefix = value;
    } else if (arg == "--io-uring") {
      if (value != "true" && value != "false") return false;
      o.io_uring = value == "true";
    } else if (arg == "--threads") {
      const auto r = std::from_chars(value.data(), value.data() + value.size(), o.threads);
      if (r.ec != std::errc{} || o.threads < 1 || o.threads > 64) return false;
    } else {
      return false;
    }
  }
  return true;
}

// Accepts on loop 0 and hands the sockets to the loops in turn, as txrt's listener does.
class listener final : public io_handler {
 public:
  explicit listener(std::vector<std::unique_ptr<loop>>& loops) : loops_(loops) {}
  ~listener() override {
    if (fd_ >= 0) ::close(fd_);
  }

  bool open(const std::string& host, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return false;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return false;
    if (::listen(fd_, SOMAXCONN) != 0) return false;
    loops_[0]->add(fd_, this, EPOLLIN);
    return true;
  }

  void on_event(std::uint32_t) override {
    // Bounded: the rest waits for the next turn (level-triggered).
    for (int i = 0; i < 64; ++i) {
      const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or out of descriptors: the client's failure alone
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      loops_[next_]->post_socket(fd);
      next_ = (next_ + 1) % loops_.size();
    }
  }

 private:
  std::vector<std::unique_ptr<loop>>& loops_;
  int fd_ = -1;
  std::size_t next_ = 0;
};

int run(const options& o) {
  // SIGTERM / SIGINT end the loops: blocked in every thread, awaited by main.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::vector<std::unique_ptr<loop>> loops;
  for (int i = 0; i < o.threads; ++i) loops.push_back(std::make_unique<loop>(i, o.io_uring));
  listener accept(loops);
  if (!accept.open(o.listen_host, o.listen_port)) {
    std::fprintf(stderr, "txrt-floor: cannot listen on %s:%d: %s\n", o.listen_host.c_str(),
                 o.listen_port, std::strerror(errno));
    return 1;
  }
  redis_feed feed(loops, o.prefix);
  std::string error;
  if (!feed.start(o.redis_host, o.redis_port, error)) {
    std::fprintf(stderr, "txrt-floor: Redis: %s\n", error.c_str());
    return 1;
  }
  std::vector<std::thread> threads;
  for (auto& l : loops) threads.emplace_back([&l] { l->run(); });
  std::printf("ready pids=%d\n", static_cast<int>(::getpid()));
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  for (auto& l : loops) l->stop();
  for (auto& t : threads) t.join();
  loop_counters total;
  for (auto& l : loops) {
    total.accepted += l->counters().accepted;
    total.events += l->counters().events;
    total.deliveries += l->counters().deliveries;
    total.closed += l->counters().closed;
    total.overflowed += l->counters().overflowed;
  }
  std::fprintf(stderr,
               "txrt-floor: %llu messages, %llu accepted, %llu deliveries, %llu closed "
               "(%llu over the queue bound)\n",
               static_cast<unsigned long long>(feed.messages()),
               static_cast<unsigned long long>(total.accepted),
               static_cast<unsigned long long>(total.deliveries),
               static_cast<unsigned long long>(total.closed),
               static_cast<unsigned long long>(total.overflowed));
  return 0;
}

}  // namespace
}  // namespace txrt::floor

int main(int argc, char** argv) {
  txrt::floor::options o;
  if (!txrt::floor::parse_options(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: txrt-floor --listen HOST:PORT --redis [redis://]HOST:PORT "
                 "[--prefix rt:] [--threads 2] [--io-uring true|false]\n");
    return 2;
  }
  return txrt::floor::run(o);
}
