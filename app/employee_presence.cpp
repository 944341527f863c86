#include "app/employee_presence.hpp"

#include <boost/asio/post.hpp>

#include "bridge/channels.hpp"

namespace txrt::telecomx {

namespace net = boost::asio;

employee_presence::employee_presence(net::io_context& bus_loop, std::string prefix,
                                     bridge::bus& bus, bridge::kv_store& store)
    : bus_loop_(bus_loop), prefix_(std::move(prefix)), bus_(bus), store_(store) {}

void employee_presence::online(const telecomx::identity& who) {
  net::post(bus_loop_, [this, employee = who.employee, customer = who.customer] {
    auto& p = online_[employee];
    if (p.sockets++ == 0) bus_.subscribe(bridge::employee_channel(prefix_, employee));
    p.customer = customer;
    // Written on every authentication, not only the first: the customer may have changed, and
    // the hash has no TTL to renew.
    store_.hset(bridge::employee_customer_key(prefix_), employee, customer);
  });
}

void employee_presence::offline(const std::string& employee) {
  net::post(bus_loop_, [this, employee] {
    auto it = online_.find(employee);
    if (it == online_.end()) return;
    if (--it->second.sockets > 0) return;
    online_.erase(it);
    bus_.unsubscribe(bridge::employee_channel(prefix_, employee));
  });
}

std::optional<std::string> employee_presence::customer_of(const std::string& employee) const {
  auto it = online_.find(employee);
  if (it == online_.end()) return std::nullopt;
  return it->second.customer;
}

}  // namespace txrt::telecomx
