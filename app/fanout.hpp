#pragma once
// Fan-out: an event from the bus reaches every entitled socket of this node, once.
//
// On the bus loop the event is checked once (a JSON object on a known event channel; anything
// else is dropped and counted), its sub-event read once, and its outgoing frame
// 42["<TYPE>",<payload as published>] built once. The event then crosses to each loop once;
// there the loop's room index yields the matching sockets and the same immutable bytes are
// queued on each: no JSON work and no allocation per subscriber. Events in, dropped and
// delivered are counted in app/app_metrics.hpp.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "rooms/room_index.hpp"
#include "server/loop_pool.hpp"

namespace txrt::telecomx {

struct client;

class fanout {
 public:
  // `indexes[i]` is loop i's room index. `on_config_customer` is told the customer of every
  // CONFIG CUSTOMER_UPDATED / CUSTOMER_DELETED event (directory cache invalidation).
  fanout(server::loop_pool& loops, std::string prefix,
         std::vector<rooms::room_index<client>*> indexes,
         std::function<void(const std::string& customer)> on_config_customer);

  // A message from the bus (called on the bus loop).
  void on_bus_message(std::string_view channel, std::string_view payload);

 private:
  server::loop_pool& loops_;
  std::string prefix_;
  std::vector<rooms::room_index<client>*> indexes_;
  std::function<void(const std::string&)> on_config_customer_;
};

}  // namespace txrt::telecomx
