#include "server/loop_pool.hpp"

namespace txrt::server {

namespace {
// Which loop this thread runs; set once per thread by run_loop().
thread_local std::size_t this_thread_loop = static_cast<std::size_t>(-1);
}  // namespace

loop_pool::loop_pool(std::size_t count) {
  if (count == 0) count = 1;
  loops_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    // Each io_context is run by exactly one thread, yet not with concurrency hint 1: with it,
    // Asio queues what a loop posts to itself in a thread-private queue that joins the shared
    // one only when the running handler returns, while other threads' posts join at once. Two
    // posts then run out of the order they were made: an HTTP handler on the bus loop posts
    // event 1 to the bus and answers 202 within the same handler, the publisher's next request
    // is read on another loop, and its event 2 overtakes event 1 (a publish-order test failed
    // once one acceptor per loop let the next request land elsewhere at once). Posts to a loop
    // must run in the order they were made, from whichever thread.
    loops_.push_back(std::make_unique<net::io_context>());
    guards_.push_back(net::make_work_guard(*loops_.back()));
  }
}

loop_pool::~loop_pool() {
  stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

std::size_t loop_pool::current_index() const noexcept {
  return this_thread_loop < loops_.size() ? this_thread_loop : loops_.size();
}

void loop_pool::run_loop(std::size_t index) {
  this_thread_loop = index;
  loops_[index]->run();
}

void loop_pool::run() {
  for (std::size_t i = 1; i < loops_.size(); ++i) threads_.emplace_back([this, i] { run_loop(i); });
  run_loop(0);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void loop_pool::release() {
  for (auto& g : guards_) g.reset();
}

void loop_pool::stop() {
  for (auto& l : loops_) l->stop();
}

}  // namespace txrt::server
