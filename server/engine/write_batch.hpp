#pragma once
// The per-loop write batch: every writer (a WebSocket) that queued something during one turn
// of its loop is written once, after that turn, so that its frames leave in one gathered write.
//
// Why: a fan-out queues one frame on thousands of sockets, and one socket often gets several
// frames in a turn (an event, an ack, a ping). Writing at once costs a syscall per frame;
// batching costs one post per loop per turn and one sendmsg per socket per turn.
//
// Contract:
//  - One batch per thread (write_batch::this_thread()); a loop runs on one thread, so that is
//    the loop's batch. A batch and its writers must not be touched from another thread.
//  - add(w, ex) lists `w` until its turn, however often it is called meanwhile, and posts one
//    run() to `ex` when nothing was listed (so at most one post is outstanding per batch).
//  - run() writes each writer listed before it started once, in the order they were listed:
//    where the loop has a send_ring (send_ring.hpp), a writer that gather()s hands its send to
//    the ring and all of them leave in one system call, each told what it sent by
//    gathered_sent() before run() returns; any other writer gets write_batched(). A writer
//    listed during run() (even the one being written) waits for the next run, which add()
//    posts: no writer is written twice in one run, none is lost.
//  - Listing holds a reference: a writer lives until it has been written, even if its owner
//    let it go in the meantime.
#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace txrt::engine {

class write_batch;

// What a batch writes. Derive (privately is enough) and implement write_batched().
class batched_writer {
 public:
  batched_writer() = default;
  batched_writer(const batched_writer&) = delete;
  batched_writer& operator=(const batched_writer&) = delete;

 protected:
  ~batched_writer() = default;  // owned through the derived class's shared_ptr
  // Listed for the next run: add() would do nothing (lets a writer skip making a shared_ptr).
  bool batch_listed() const noexcept { return listed_; }

 private:
  friend class write_batch;
  // Called by the batch once per listing, on the writer's loop, when the send is not gathered.
  virtual void write_batched() = 0;
  // A writer whose send the batch may submit with others: fills `into` with the iovecs of what
  // it has to send and `fd` with its socket, and answers how many (0: nothing to send, and
  // nothing else to do; -1: call write_batched() instead). The iovecs must stay valid until
  // gathered_sent(), which the same run() calls with the bytes sent or -errno (-ECANCELED: it
  // was not sent, write it yourself).
  virtual int gather(std::span<iovec> into, int& fd) noexcept {
    (void)into;
    (void)fd;
    return -1;
  }
  virtual void gathered_sent(long result) { (void)result; }
  bool listed_ = false;
};

class write_batch {
 public:
  // The batch of the calling thread (its loop's).
  static write_batch& this_thread();

  // Lists `w` for the end of this turn and, if the batch was empty, posts run() to `ex`
  // (the loop's executor). The batch must outlive that post (this_thread()'s does).
  void add(std::shared_ptr<batched_writer> w, const boost::asio::any_io_executor& ex);
  // Writes every writer listed so far (normally called only by the post that add() made).
  void run();

  std::size_t listed() const noexcept { return listed_.size(); }

 private:
  // Swapped on each run, so that both keep their capacity: no allocation per turn.
  std::vector<std::shared_ptr<batched_writer>> listed_, running_;
  bool run_posted_ = false;
};

}  // namespace txrt::engine
