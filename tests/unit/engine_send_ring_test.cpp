// server/engine/send_ring: the loop's io_uring for the write batch's sends (the contract at the
// top of send_ring.hpp), on real sockets: what a send did comes back with its tag when submit()
// returns, a full socket answers -EAGAIN at once (it must never wait), and a batch of gathering
// writers is written through it.
#include "server/engine/send_ring.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "server/engine/write_batch.hpp"

using txrt::engine::batched_writer;
using txrt::engine::send_ring;
using txrt::engine::write_batch;

namespace {

struct socket_pair {
  int fd[2] = {-1, -1};
  socket_pair() {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) == 0);
  }
  ~socket_pair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
  std::string read_all() const {
    std::string out;
    std::array<char, 4096> buf;
    for (ssize_t n; (n = ::recv(fd[1], buf.data(), buf.size(), MSG_DONTWAIT)) > 0;)
      out.append(buf.data(), static_cast<std::size_t>(n));
    return out;
  }
  void fill() const {
    std::array<char, 4096> junk{};
    for (int i = 0; i < 65536 && ::send(fd[0], junk.data(), junk.size(), MSG_DONTWAIT) > 0; ++i) {
    }
  }
};

// The calling thread's ring. A kernel may refuse io_uring (seccomp in a container): unless
// TXRT_REQUIRE_IO_URING=1 (CI sets it, on a machine whose kernel takes it), the cases that need
// a ring then warn and check nothing, rather than pass something off as tested.
send_ring* ring_for_test() {
  send_ring::configure(true);
  send_ring* ring = send_ring::this_thread();
  const char* required = std::getenv("TXRT_REQUIRE_IO_URING");
  if (!ring && required && std::string(required) == "1") FAIL("io_uring refused, but required");
  if (!ring) WARN("io_uring is refused on this machine: nothing checked");
  return ring;
}

}  // namespace

TEST_CASE("send_ring: each send's result comes back with its tag, the bytes in order",
          "[engine][send_ring]") {
  send_ring* ring = ring_for_test();
  if (!ring) return;
  socket_pair a, b;
  std::string one = "hello ", two = "world", three = "second socket";
  auto space = ring->next_iovecs();
  REQUIRE(space.size() == send_ring::max_iovecs_per_send);
  space[0] = {one.data(), one.size()};
  space[1] = {two.data(), two.size()};
  ring->add(a.fd[0], 2, 7);
  space = ring->next_iovecs();
  space[0] = {three.data(), three.size()};
  ring->add(b.fd[0], 1, 9);
  REQUIRE(ring->queued() == 2);
  std::map<std::uint64_t, long> results;
  for (const auto& c : ring->submit()) results[c.tag] = c.result;
  CHECK(ring->queued() == 0);
  CHECK(results == std::map<std::uint64_t, long>{{7, 11}, {9, 13}});
  CHECK(a.read_all() == "hello world");
  CHECK(b.read_all() == "second socket");
}

TEST_CASE("send_ring: a full socket answers -EAGAIN when submit() returns, not later",
          "[engine][send_ring]") {
  send_ring* ring = ring_for_test();
  if (!ring) return;
  socket_pair p;
  p.fill();
  std::string more = "more";
  auto space = ring->next_iovecs();
  space[0] = {more.data(), more.size()};
  ring->add(p.fd[0], 1, 1);
  const auto done = ring->submit();
  REQUIRE(done.size() == 1);
  CHECK(done[0].result == -EAGAIN);
  // A closed peer is an error for that send alone.
  socket_pair gone;
  ::close(gone.fd[1]);
  gone.fd[1] = ::dup(gone.fd[0]);  // keep the destructor's close harmless
  ::shutdown(gone.fd[0], SHUT_WR);
  space = ring->next_iovecs();
  space[0] = {more.data(), more.size()};
  ring->add(gone.fd[0], 1, 2);
  const auto failed = ring->submit();
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].result == -EPIPE);
}

TEST_CASE("send_ring: a submission holds max_sends sends; next_iovecs() says when it is full",
          "[engine][send_ring]") {
  send_ring* ring = ring_for_test();
  if (!ring) return;
  socket_pair p;
  char byte = 'x';
  std::size_t added = 0;
  for (auto space = ring->next_iovecs(); !space.empty(); space = ring->next_iovecs()) {
    space[0] = {&byte, 1};
    ring->add(p.fd[0], 1, added++);
  }
  CHECK(added == send_ring::max_sends);
  // A Unix socket counts each tiny send as a whole buffer: the later ones may find it full.
  std::size_t sent = 0;
  const auto done = ring->submit();
  CHECK(done.size() == send_ring::max_sends);
  for (const auto& c : done) {
    CHECK((c.result == 1 || c.result == -EAGAIN));
    if (c.result == 1) ++sent;
  }
  CHECK(sent > 0);
  CHECK(p.read_all() == std::string(sent, 'x'));
  CHECK_FALSE(ring->next_iovecs().empty());
}

namespace {

// A writer that gathers: its bytes go through the ring when the batch has one.
struct gathering_writer : batched_writer, std::enable_shared_from_this<gathering_writer> {
  int fd = -1;
  std::string pending;
  std::size_t gathered = 0;
  std::size_t written_directly = 0;
  long last_result = 0;
  void write_batched() override {
    ++written_directly;
    const auto n = ::send(fd, pending.data(), pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) pending.erase(0, static_cast<std::size_t>(n));
  }
  int gather(std::span<iovec> into, int& out_fd) noexcept override {
    if (pending.empty()) return 0;
    ++gathered;
    into[0] = {pending.data(), pending.size()};
    out_fd = fd;
    return 1;
  }
  void gathered_sent(long result) override {
    last_result = result;
    if (result > 0) pending.erase(0, static_cast<std::size_t>(result));
  }
};

}  // namespace

TEST_CASE("write_batch: gathering writers are sent through the ring and told what went",
          "[engine][send_ring][write_batch]") {
  if (!ring_for_test()) return;
  boost::asio::io_context io;
  socket_pair a, b;
  auto wa = std::make_shared<gathering_writer>();
  auto wb = std::make_shared<gathering_writer>();
  wa->fd = a.fd[0];
  wa->pending = "to a";
  wb->fd = b.fd[0];
  wb->pending = "to b";
  auto& batch = write_batch::this_thread();
  batch.add(wa, io.get_executor());
  batch.add(wb, io.get_executor());
  io.run();
  CHECK(wa->gathered == 1);
  CHECK(wb->gathered == 1);
  CHECK(wa->written_directly == 0);
  CHECK(wa->last_result == 4);
  CHECK(a.read_all() == "to a");
  CHECK(b.read_all() == "to b");
  CHECK(wa->pending.empty());
}

TEST_CASE("send_ring: configure(false) turns it off for threads that have none yet",
          "[engine][send_ring]") {
  // A fresh thread, so that this thread's ring (made by the cases above) does not answer.
  send_ring::configure(false);
  send_ring* seen = reinterpret_cast<send_ring*>(1);
  std::thread([&] { seen = send_ring::this_thread(); }).join();
  send_ring::configure(true);
  CHECK(seen == nullptr);
}
