#include "server/engine/send_ring.hpp"

#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "server/server_metrics.hpp"

namespace txrt::engine {

namespace {

// Shared by every send of a submission: 16 x max_iovecs_per_send, 64 KiB per loop. A fan-out
// send is two to four iovecs, so a submission fills its max_sends first.
constexpr std::size_t iovec_arena = 16 * send_ring::max_iovecs_per_send;

std::atomic<bool> enabled{true};
std::atomic<bool> refusal_logged{false};

// Whether this kernel answers a non-blocking send to a full socket at once with -EAGAIN, as the
// batch needs (send_ring.hpp), rather than parking it until the socket drains: the queue of a
// socketpair is filled, one send is submitted, and its completion must be there when the
// submission returns. A parked send is cancelled and waited for before the answer is no.
bool completes_full_sends_at_once(io_uring& uring) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) return false;
  // Static: a send the kernel would still hold after the waits below gave up reads nothing
  // that has gone. Only read, so every loop may use it at once.
  static const char fill[4096] = {};
  // Bounded: a socket buffer is at most a few MiB.
  for (int i = 0; i < 65536 && ::send(pair[0], fill, sizeof fill, MSG_DONTWAIT) > 0; ++i) {
  }
  iovec iov{const_cast<char*>(fill), sizeof fill};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  io_uring_sqe* sqe = io_uring_get_sqe(&uring);
  io_uring_prep_sendmsg(sqe, pair[0], &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  io_uring_sqe_set_data64(sqe, 1);
  bool at_once = false;
  if (io_uring_submit(&uring) == 1) {
    io_uring_cqe* cqe = nullptr;
    if (io_uring_peek_cqe(&uring, &cqe) == 0) {
      at_once = cqe->res == -EAGAIN;
      io_uring_cqe_seen(&uring, cqe);
    } else {
      // Parked: cancel it, and wait for both completions before `msg` goes out of scope.
      io_uring_sqe* cancel = io_uring_get_sqe(&uring);
      io_uring_prep_cancel64(cancel, 1, 0);
      io_uring_sqe_set_data64(cancel, 2);
      io_uring_submit(&uring);
      // Bounded: a ring whose waits keep failing is broken and is not used anyway.
      for (int left = 2, tries = 0; left > 0 && tries < 100; ++tries) {
        if (io_uring_wait_cqe(&uring, &cqe) != 0) continue;
        io_uring_cqe_seen(&uring, cqe);
        --left;
      }
    }
  }
  ::close(pair[0]);
  ::close(pair[1]);
  return at_once;
}

}  // namespace

struct send_ring::ring {
  io_uring uring{};
  ~ring() { io_uring_queue_exit(&uring); }
};

void send_ring::configure(bool on) noexcept { enabled.store(on, std::memory_order_relaxed); }

send_ring* send_ring::this_thread() {
  // Made on the first batch of the thread; a refusal is remembered as null for the thread.
  thread_local std::unique_ptr<send_ring> mine = []() -> std::unique_ptr<send_ring> {
    if (!enabled.load(std::memory_order_relaxed)) return nullptr;
    auto r = std::make_unique<ring>();
    io_uring_params params{};
    // One thread submits and reaps (SINGLE_ISSUER); completions need no interrupt of the
    // thread (COOP_TASKRUN): a send completes inline, at submission.
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
    // max_sends entries; the completion queue is twice that by default.
    if (const int rc = io_uring_queue_init_params(max_sends, &r->uring, &params); rc < 0) {
      if (!refusal_logged.exchange(true))
        spdlog::warn("io_uring unavailable ({}): writing with sendmsg per socket",
                     std::strerror(-rc));
      return nullptr;
    }
    if (!completes_full_sends_at_once(r->uring)) {
      if (!refusal_logged.exchange(true))
        spdlog::warn("io_uring parks non-blocking sends on this kernel: writing with sendmsg "
                     "per socket");
      return nullptr;
    }
    metrics::io_uring_loops.get().inc(1);
    return std::unique_ptr<send_ring>(new send_ring(std::move(r)));
  }();
  if (mine && mine->broken_) {
    mine.reset();
    metrics::io_uring_loops.get().inc(-1);
  }
  return mine.get();
}

send_ring::send_ring(std::unique_ptr<ring> r)
    : ring_(std::move(r)),
      iovecs_(new iovec[iovec_arena]),
      headers_(new msghdr[max_sends]),
      tags_(new std::uint64_t[max_sends]) {
  completions_.reserve(max_sends);
}

send_ring::~send_ring() = default;

std::span<iovec> send_ring::next_iovecs() noexcept {
  if (queued_ == max_sends || iovec_arena - iovecs_used_ < max_iovecs_per_send) return {};
  return {iovecs_.get() + iovecs_used_, max_iovecs_per_send};
}

void send_ring::add(int fd, std::size_t count, std::uint64_t tag) noexcept {
  auto& header = headers_[queued_];
  header = {};
  header.msg_iov = iovecs_.get() + iovecs_used_;
  header.msg_iovlen = count;
  iovecs_used_ += count;
  // The queue has max_sends entries and queued_ < max_sends (next_iovecs() said so): an entry
  // is free.
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_->uring);
  io_uring_prep_sendmsg(sqe, fd, &header, MSG_NOSIGNAL | MSG_DONTWAIT);
  io_uring_sqe_set_data64(sqe, queued_);
  tags_[queued_] = tag;
  ++queued_;
}

std::span<const send_ring::completion> send_ring::submit() {
  completions_.clear();
  if (queued_ == 0) return {};
  const auto expected = static_cast<unsigned>(queued_);
  int rc;
  do rc = io_uring_submit_and_wait(&ring_->uring, expected);
  while (rc == -EINTR);
  // The kernel takes entries in order: the first `consumed` are sent (it answers an error only
  // when it took none).
  const unsigned consumed = rc < 0 ? 0u : static_cast<unsigned>(rc);
  std::size_t seen = 0;
  while (seen < consumed) {
    unsigned head;
    io_uring_cqe* cqe;
    unsigned reaped = 0;
    io_uring_for_each_cqe(&ring_->uring, head, cqe) {
      const auto index = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
      completions_.push_back({tags_[index], static_cast<long>(cqe->res)});
      ++reaped;
    }
    io_uring_cq_advance(&ring_->uring, reaped);
    seen += reaped;
    // Every send completes at submission (MSG_DONTWAIT); waiting covers a kernel that posts a
    // completion a moment later.
    if (seen < consumed && reaped == 0) {
      io_uring_cqe* ready;
      if (const int w = io_uring_wait_cqe(&ring_->uring, &ready); w < 0 && w != -EINTR) break;
    }
  }
  if (consumed < expected || seen < consumed) {
    // A ring that refuses or loses sends is not used again: the sends it did not take are
    // handed back (-ECANCELED: write them yourself), and this thread writes with sendmsg from
    // now on. Tearing the ring down drops the entries it still holds.
    spdlog::error("io_uring: {} of {} sends taken, {} completed ({}); writing with sendmsg from now on",
                  consumed, expected, seen, rc < 0 ? std::strerror(-rc) : "short");
    for (std::size_t i = consumed; i < expected; ++i) completions_.push_back({tags_[i], -ECANCELED});
    broken_ = true;
  }
  metrics::io_uring_sends.get().inc(consumed);
  queued_ = 0;
  iovecs_used_ = 0;
  return completions_;
}

}  // namespace txrt::engine
