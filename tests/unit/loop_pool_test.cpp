// server::loop_pool: what is posted to a loop runs in the order it was posted, whichever
// thread posted it. Built on io_context's concurrency hint 1, a loop's posts to itself waited
// in a thread-private queue until the running handler returned, and another thread's later
// post overtook them (events published through POST /events on two loops came out swapped).
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "server/loop_pool.hpp"

using txrt::server::loop_pool;
namespace net = boost::asio;

TEST_CASE("loop_pool: a loop's post to itself runs before a later post from another thread",
          "[loop_pool]") {
  loop_pool loops(2);
  std::string order;  // written only by loop 0's thread
  std::promise<void> done;

  net::post(loops.loop(0), [&] {
    // First: loop 0 posts to itself, from inside one of its handlers.
    net::post(loops.loop(0), [&] { order += 'a'; });
    // Then, while that handler still runs, another thread posts to loop 0 and has finished
    // posting before this handler returns: it was posted later, so it must run later.
    std::thread other([&] { net::post(loops.loop(0), [&] { order += 'b'; }); });
    other.join();
    net::post(loops.loop(0), [&] { done.set_value(); });
  });

  std::thread runner([&] { loops.run(); });
  const bool finished =
      done.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  loops.stop();
  runner.join();
  REQUIRE(finished);
  CHECK(order == "ab");
}
