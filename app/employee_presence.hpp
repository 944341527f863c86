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
#include <memory>
#include <unordered_set>

#include <boost/asio/io_context.hpp>

#include "bridge/bus.hpp"
#include "bridge/kv_store.hpp"
#include "protocol/telecomx/identity.hpp"

namespace txrt::telecomx {

class employee_presence {
 public:
  employee_presence(boost::asio::io_context& bus_loop, std::string prefix, bridge::bus& bus,
                    bridge::kv_store& store);

  // A socket of `who->employee` authenticated / went away on this node. Every online() is
  // matched by one offline() (telecomx_namespace::forget_identity). `who` is the socket's own
  // (immutable, shared) identity: the bus loop keeps the latest one instead of copies of its
  // employee and customer.
  void online(std::shared_ptr<const telecomx::identity> who);
  void offline(const std::string& employee);

  // The customer of `employee` when it has sockets on this node, else nullopt. Bus loop only.
  std::optional<std::string> customer_of(const std::string& employee) const;

 private:
  // One per employee with sockets here, keyed by its identity's employee (no copy of the id).
  // `who` may be replaced by a newer identity of the same employee - the key does not change -
  // hence mutable, as set elements are otherwise const.
  struct presence {
    mutable std::shared_ptr<const telecomx::identity> who;
    mutable int sockets = 0;
  };
  struct by_employee_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view employee) const noexcept {
      return std::hash<std::string_view>{}(employee);
    }
    std::size_t operator()(const presence& p) const noexcept { return (*this)(p.who->employee); }
  };
  struct by_employee_equal {
    using is_transparent = void;
    static std::string_view key(std::string_view employee) noexcept { return employee; }
    static std::string_view key(const presence& p) noexcept { return p.who->employee; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return key(a) == key(b);
    }
  };

  boost::asio::io_context& bus_loop_;
  std::string prefix_;
  bridge::bus& bus_;
  bridge::kv_store& store_;
  std::unordered_set<presence, by_employee_hash, by_employee_equal> online_;  // bus loop only
};

}  // namespace txrt::telecomx
