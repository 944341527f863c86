// bridge::local_bus: routing to the event and message sinks, plain subscriptions, and the
// receiver counts of publish_counted(); everything runs on the loop, in call order.
#include "bridge/local_bus.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

using txrt::bridge::local_bus;

namespace {

struct fixture {
  boost::asio::io_context io;
  local_bus bus{io, "rt:"};
  std::vector<std::string> events, messages, counts;
  std::vector<bool> readiness;

  fixture() {
    bus.start([this](std::string_view ch, std::string_view p, txrt::telecomx::stream_offset) {
                record(events, ch, p);
              },
              [this](bool r) { readiness.push_back(r); },
              [this](std::string_view ch, std::string_view p) { record(messages, ch, p); });
  }
  static void record(std::vector<std::string>& to, std::string_view ch, std::string_view p) {
    to.push_back(std::string(ch) + "=" + std::string(p));
  }
  void count(const std::string& channel, const std::string& payload) {
    bus.publish_counted(channel, payload, [this, channel](long n) {
      counts.push_back(channel + ":" + std::to_string(n));
    });
  }
  void drain() {
    io.restart();
    io.run();
  }
};

}  // namespace

TEST_CASE("local bus: event channels to on_event, subscribed channels to on_message", "[bridge]") {
  fixture f;
  f.bus.subscribe("rt:control");
  f.bus.subscribe("rt:employee:e1");
  f.bus.publish("rt:event:PBX:c1", "1");
  f.bus.publish("rt:control", "2");
  f.bus.publish("rt:employee:e1", "3");
  f.bus.publish("rt:employee:e2", "4");  // not subscribed
  f.bus.publish("other:control", "5");
  CHECK(f.events.empty());  // nothing runs inside the calls
  f.drain();
  CHECK(f.readiness == std::vector<bool>{true});
  CHECK(f.events == std::vector<std::string>{"rt:event:PBX:c1=1"});
  CHECK(f.messages == std::vector<std::string>{"rt:control=2", "rt:employee:e1=3"});

  f.bus.unsubscribe("rt:employee:e1");
  f.bus.publish("rt:employee:e1", "6");
  f.bus.publish("rt:control", "7");
  f.drain();
  CHECK(f.messages == std::vector<std::string>{"rt:control=2", "rt:employee:e1=3", "rt:control=7"});

  // An event channel that is also subscribed reaches both sinks, as with Redis.
  f.bus.subscribe("rt:event:CALL:c2");
  f.bus.publish("rt:event:CALL:c2", "8");
  f.drain();
  CHECK(f.events.back() == "rt:event:CALL:c2=8");
  CHECK(f.messages.back() == "rt:event:CALL:c2=8");
}

TEST_CASE("local bus: publish_counted reports whether this node received it", "[bridge]") {
  fixture f;
  f.count("rt:employee:e1", "a");  // nobody subscribed yet
  f.bus.subscribe("rt:employee:e1");
  f.count("rt:employee:e1", "b");
  f.count("rt:event:TRUNK", "c");  // event channels always reach this node
  f.count("rt:nothing", "d");
  f.bus.unsubscribe("rt:employee:e1");
  f.count("rt:employee:e1", "e");
  CHECK(f.counts.empty());  // done runs on the loop, not inside the call
  f.drain();
  CHECK(f.counts == std::vector<std::string>{"rt:employee:e1:0", "rt:employee:e1:1",
                                             "rt:event:TRUNK:1", "rt:nothing:0",
                                             "rt:employee:e1:0"});
  CHECK(f.messages == std::vector<std::string>{"rt:employee:e1=b"});
  CHECK(f.events == std::vector<std::string>{"rt:event:TRUNK=c"});
}

TEST_CASE("local bus: calls from another thread keep their order; nothing after stop()",
          "[bridge]") {
  fixture f;
  std::thread caller([&] {
    f.bus.subscribe("rt:employee:e1");
    for (int i = 0; i < 500; ++i) f.bus.publish("rt:employee:e1", std::to_string(i));
    f.count("rt:employee:e1", "last");
  });
  caller.join();
  f.drain();
  REQUIRE(f.messages.size() == 501);
  bool in_order = true;
  for (int i = 0; i < 500; ++i)
    in_order = in_order && f.messages[i] == "rt:employee:e1=" + std::to_string(i);
  CHECK(in_order);
  CHECK(f.counts == std::vector<std::string>{"rt:employee:e1:1"});

  f.count("rt:employee:e1", "queued before stop");
  f.bus.stop();
  f.bus.publish("rt:employee:e1", "after");
  f.drain();
  CHECK(f.messages.size() == 501);
  CHECK(f.counts.size() == 1);
}
