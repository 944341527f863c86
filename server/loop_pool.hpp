#pragma once
// One event loop (io_context) per thread. A connection lives on exactly one loop for its whole
// life; work for another loop's objects is posted to that loop, never done under a mutex.
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace txrt::server {

namespace net = boost::asio;

class loop_pool {
 public:
  explicit loop_pool(std::size_t count);
  ~loop_pool();
  loop_pool(const loop_pool&) = delete;
  loop_pool& operator=(const loop_pool&) = delete;

  std::size_t size() const noexcept { return loops_.size(); }
  net::io_context& loop(std::size_t index) { return *loops_[index]; }

  // Posts `work(i)` to every loop i (each runs it on its own thread, in FIFO order with the
  // loop's other posted work). `work` is copied once per loop.
  template <class F>
  void post_to_each(const F& work) {
    for (std::size_t i = 0; i < loops_.size(); ++i) net::post(*loops_[i], [work, i] { work(i); });
  }

  // The index of the loop the calling thread runs, or size() when called from another thread.
  std::size_t current_index() const noexcept;

  // Runs loop 0 on the calling thread and the others on their own threads; returns when every
  // loop has stopped.
  void run();
  // Lets every loop finish (ends the work guards); call from any thread.
  void release();
  // Stops every loop at once; call from any thread.
  void stop();

 private:
  void run_loop(std::size_t index);

  std::vector<std::unique_ptr<net::io_context>> loops_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace txrt::server
