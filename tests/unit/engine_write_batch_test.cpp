// server/engine/write_batch: the per-loop batch that writes each listed WebSocket once per turn
// of its loop, with one post per turn (the contract at the top of write_batch.hpp).
#include "server/engine/write_batch.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

using txrt::engine::batched_writer;
using txrt::engine::write_batch;

namespace {

struct counting_writer : batched_writer {
  counting_writer(std::string n, std::vector<std::string>& l) : name(std::move(n)), log(l) {}
  std::string name;
  std::vector<std::string>& log;
  int writes = 0;
  std::function<void()> during_write;

 private:
  void write_batched() override {
    ++writes;
    log.push_back(name);
    if (during_write) during_write();
  }
};

}  // namespace

TEST_CASE("write_batch: each listed writer is written once per turn, with one post",
          "[engine][write_batch]") {
  boost::asio::io_context loop;
  write_batch batch;
  std::vector<std::string> log;
  auto a = std::make_shared<counting_writer>("a", log);
  auto b = std::make_shared<counting_writer>("b", log);
  batch.add(a, loop.get_executor());
  batch.add(b, loop.get_executor());
  batch.add(a, loop.get_executor());
  batch.add(a, loop.get_executor());
  CHECK(batch.listed() == 2);
  CHECK(log.empty());                                // nothing is written before the turn ends
  CHECK(loop.poll() == 1);                           // one post for the whole batch
  CHECK(log == std::vector<std::string>{"a", "b"});  // in the order listed
  CHECK(batch.listed() == 0);
  loop.restart();
  CHECK(loop.poll() == 0);  // nothing listed, nothing posted

  batch.add(b, loop.get_executor());  // a new turn lists again
  loop.restart();
  CHECK(loop.poll() == 1);
  CHECK(b->writes == 2);
  CHECK(a->writes == 1);
}

TEST_CASE("write_batch: a writer listed while the batch runs waits for the next run",
          "[engine][write_batch]") {
  boost::asio::io_context loop;
  write_batch batch;
  std::vector<std::string> log;
  auto a = std::make_shared<counting_writer>("a", log);
  a->during_write = [&] {
    if (a->writes == 1) batch.add(a, loop.get_executor());  // e.g. a write that re-queued
  };
  batch.add(a, loop.get_executor());
  CHECK(loop.poll_one() == 1);
  CHECK(a->writes == 1);
  CHECK(batch.listed() == 1);
  CHECK(loop.poll_one() == 1);  // the run add() posted for it
  CHECK(a->writes == 2);
  a->during_write = nullptr;  // the closure refers to `a` itself
}

TEST_CASE("write_batch: a listed writer lives until it is written", "[engine][write_batch]") {
  boost::asio::io_context loop;
  write_batch batch;
  std::vector<std::string> log;
  auto a = std::make_shared<counting_writer>("a", log);
  std::weak_ptr<counting_writer> weak = a;
  batch.add(std::move(a), loop.get_executor());
  CHECK_FALSE(weak.expired());
  loop.poll();
  CHECK(log == std::vector<std::string>{"a"});
  CHECK(weak.expired());
}

TEST_CASE("write_batch: one batch per thread", "[engine][write_batch]") {
  write_batch* here = &write_batch::this_thread();
  write_batch* there = nullptr;
  std::thread([&] { there = &write_batch::this_thread(); }).join();
  CHECK(here == &write_batch::this_thread());
  CHECK(here != there);
}
