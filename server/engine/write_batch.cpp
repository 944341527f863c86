#include "server/engine/write_batch.hpp"

#include <boost/asio/post.hpp>

#include "server/engine/send_ring.hpp"

namespace txrt::engine {

namespace {
constexpr std::size_t prefetch_distance = 2;
constexpr std::size_t prefetched_lines = 4;
}  // namespace

write_batch& write_batch::this_thread() {
  // Heap-allocated so that the thread_local itself stays one pointer.
  thread_local auto batch = std::make_unique<write_batch>();
  return *batch;
}

void write_batch::add(std::shared_ptr<batched_writer> w, const boost::asio::any_io_executor& ex) {
  if (w->listed_) return;
  w->listed_ = true;
  listed_.push_back(std::move(w));
  if (run_posted_) return;
  run_posted_ = true;
  boost::asio::post(ex, [this] { run(); });
}

void write_batch::run() {
  // Writers listed from here on (by the writes below) belong to the next run, which add()
  // posts because run_posted_ is clear again.
  run_posted_ = false;
  running_.swap(listed_);
  const std::size_t n = running_.size();
  send_ring* ring = send_ring::this_thread();
  // Tells each writer of the submission what its send did.
  auto submit = [&] {
    for (const auto& done : ring->submit()) running_[done.tag]->gathered_sent(done.result);
    if (ring->broken()) ring = nullptr;
  };
  for (std::size_t i = 0; i < n; ++i) {
    // After a fan-out the writers are cold again (a batch lists thousands): ask for the one a
    // couple ahead while this one writes. Its first lines are the ones a writer keeps hot.
    if (i + prefetch_distance < n) {
      const auto* next = reinterpret_cast<const char*>(running_[i + prefetch_distance].get());
      for (std::size_t line = 0; line < prefetched_lines; ++line)
        __builtin_prefetch(next + 64 * line, 1);
    }
    auto& w = running_[i];
    w->listed_ = false;
    if (ring) {
      auto space = ring->next_iovecs();
      if (space.empty()) {
        submit();
        if (ring) space = ring->next_iovecs();
      }
      int fd = -1;
      const int count = space.empty() ? -1 : w->gather(space, fd);
      if (count > 0) {
        ring->add(fd, static_cast<std::size_t>(count), i);
        continue;
      }
      if (count == 0) continue;
    }
    w->write_batched();
  }
  if (ring && ring->queued() > 0) submit();
  running_.clear();
}

}  // namespace txrt::engine
