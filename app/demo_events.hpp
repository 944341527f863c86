#pragma once
// --demo-events: a steady trickle of realistic PBX, CALL, CONFIG and REGISTER events (field
// names from the user's API page) for the demo customers, published through the bus like any
// publisher's, so that the demo page is alive without Redis or a real PBX.
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bridge/bus.hpp"

namespace txrt::telecomx {

class demo_events {
 public:
  demo_events(boost::asio::io_context& loop, bridge::bus& bus, std::string prefix,
              std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  void start();
  void stop();

 private:
  void schedule();
  void publish_one();

  boost::asio::steady_timer timer_;
  bridge::bus& bus_;
  std::string prefix_;
  std::chrono::milliseconds interval_;
  std::uint64_t counter_ = 0;
  bool running_ = false;
};

}  // namespace txrt::telecomx
