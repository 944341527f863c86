#include "server/engine/write_batch.hpp"

#include <boost/asio/post.hpp>

namespace txrt::engine {

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
  for (auto& w : running_) {
    w->listed_ = false;
    w->write_batched();
  }
  running_.clear();
}

}  // namespace txrt::engine
