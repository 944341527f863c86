#pragma once
// One io_uring per loop thread, for the write batch: the gathered sends of every socket written
// in one turn of the loop leave in one system call instead of one sendmsg each.
//
// Why: a fan-out writes one sendmsg per subscriber per turn, and on a machine where a system
// call is dear (a hypervisor that traps it, page-table isolation) the entry and exit alone are
// a large part of a delivery. io_uring takes the same sends as a list.
//
// Contract:
//  - this_thread() is the calling thread's ring, made on first use; null when io_uring is off
//    (configure(false), txrt --io-uring off) or the kernel refuses it (too old, seccomp, no
//    memory): the batch then calls sendmsg per socket as before. A refusal is logged once.
//  - Each send is sendmsg(fd, iovecs, MSG_NOSIGNAL | MSG_DONTWAIT). MSG_DONTWAIT makes io_uring
//    answer a full socket with -EAGAIN instead of parking the send on a poll, so every send has
//    completed when submit() returns: the iovecs (and the bytes they point at) need to live only
//    until then, and a socket may be closed right after.
//  - Loop thread only; nothing here is shared between threads.
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace txrt::engine {

class send_ring {
 public:
  // What a submitted send did: `tag` as given to add(), `result` the bytes sent or -errno.
  struct completion {
    std::uint64_t tag;
    long result;
  };

  // Sends per submission, and iovecs per send at most (a writer gathers up to this many).
  // 256 sends make the system call ~1/256 of each; a larger ring only costs memory.
  static constexpr std::size_t max_sends = 256;
  static constexpr std::size_t max_iovecs_per_send = 256;

  // Before the loops start: whether loops may use io_uring at all (default: yes).
  static void configure(bool enabled) noexcept;
  // The calling thread's ring, or null (see above).
  static send_ring* this_thread();

  ~send_ring();
  send_ring(const send_ring&) = delete;
  send_ring& operator=(const send_ring&) = delete;

  // Room for the iovecs of one more send (max_iovecs_per_send of them); empty when this
  // submission is full and must be submitted first.
  std::span<iovec> next_iovecs() noexcept;
  // Queues a send of the first `count` iovecs that next_iovecs() gave.
  void add(int fd, std::size_t count, std::uint64_t tag) noexcept;
  std::size_t queued() const noexcept { return queued_; }
  // Given up after a failed submit(): use sendmsg (this_thread() answers null from now on).
  bool broken() const noexcept { return broken_; }
  // Submits every queued send and returns what each did, in no particular order. Valid until
  // the next call. Sends the kernel did not take are answered -ECANCELED (the caller writes
  // them itself), and the thread's ring is given up: this_thread() answers null from then on.
  std::span<const completion> submit();

 private:
  struct ring;
  explicit send_ring(std::unique_ptr<ring> r);

  std::unique_ptr<ring> ring_;
  // Not initialised (new T[n]), so that the pages a loop never reaches stay out of its RSS.
  std::unique_ptr<iovec[]> iovecs_;  // shared by the sends of a submission, in order
  std::size_t iovecs_used_ = 0;
  std::unique_ptr<struct msghdr[]> headers_;  // by position in this submission
  std::unique_ptr<std::uint64_t[]> tags_;     // likewise
  std::size_t queued_ = 0;
  bool broken_ = false;  // see submit()
  std::vector<completion> completions_;
};

}  // namespace txrt::engine
