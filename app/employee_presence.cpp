#include "app/employee_presence.hpp"

#include <boost/asio/post.hpp>

#include "bridge/channels.hpp"

namespace txrt::telecomx {

namespace net = boost::asio;

employee_presence::employee_presence(net::io_context& bus_loop, std::string prefix,
                                     bridge::bus& bus, bridge::kv_store& store)
    : bus_loop_(bus_loop), prefix_(std::move(prefix)), bus_(bus), store_(store) {}

void employee_presence::online(std::shared_ptr<const telecomx::identity> who) {
  net::post(bus_loop_, [this, who = std::move(who)] {
    const auto it = online_.insert(presence{who, 0}).first;
    if (it->sockets++ == 0) bus_.subscribe(bridge::employee_channel(prefix_, who->employee));
    it->who = who;  // the latest authentication's customer
    // Written on every authentication, not only the first: the customer may have changed, and
    // the hash has no TTL to renew.
    store_.hset(bridge::employee_customer_key(prefix_), who->employee, who->customer);
  });
}

void employee_presence::offline(const std::string& employee) {
  net::post(bus_loop_, [this, employee] {
    auto it = online_.find(std::string_view(employee));
    if (it == online_.end()) return;
    if (--it->sockets > 0) return;
    online_.erase(it);
    bus_.unsubscribe(bridge::employee_channel(prefix_, employee));
  });
}

std::optional<std::string> employee_presence::customer_of(const std::string& employee) const {
  auto it = online_.find(std::string_view(employee));
  if (it == online_.end()) return std::nullopt;
  return it->who->customer;
}

}  // namespace txrt::telecomx
