#pragma once
// Which employees have sockets on this node (SPEC §7). While an employee has at least one, the
// node subscribes <prefix>employee:<id> (where requests and replies for it arrive from every
// node), and each of its authentications records its customer in the hash
// <prefix>employee:customer, which a sender's node reads to check access before routing.
//
// Threading: online() / offline() may be called from any loop; they post to the bus loop,
// which owns the state. customer_of() is for the bus loop only.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/io_context.hpp>

#include "bridge/bus.hpp"
#include "bridge/kv_store.hpp"
#include "protocol/telecomx/identity.hpp"

namespace txrt::telecomx {

class employee_presence {
 public:
  employee_presence(boost::asio::io_context& bus_loop, std::string prefix, bridge::bus& bus,
                    bridge::kv_store& store);

  // A socket of `who.employee` authenticated / went away on this node. Every online() is
  // matched by one offline() (telecomx_namespace::forget_identity).
  void online(const telecomx::identity& who);
  void offline(const std::string& employee);

  // The customer of `employee` when it has sockets on this node, else nullopt. Bus loop only.
  std::optional<std::string> customer_of(const std::string& employee) const;

 private:
  struct presence {
    int sockets = 0;
    std::string customer;
  };

  boost::asio::io_context& bus_loop_;
  std::string prefix_;
  bridge::bus& bus_;
  bridge::kv_store& store_;
  std::unordered_map<std::string, presence> online_;  // bus loop only
};

}  // namespace txrt::telecomx
