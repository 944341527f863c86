#pragma once
// The authenticated clients of one loop, by employee: where REQUEST / REPLY deliveries and
// revocations find their sockets. One per loop, used only by that loop.
//
// One small node per client, keyed by the employee of the client's own identity: no copy of
// the employee id and no per-employee vector (an idle node serves thousands of employees with
// one socket each, so a map of employee -> vector cost a string key and a heap block apiece).
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "app/client.hpp"

namespace txrt::telecomx {

class employee_index {
 public:
  // `employee` is `c.who->employee`. Contract: `c.who` stays set, and names the same
  // employee, until remove(); a new identity of the same employee may replace it (same key).
  void add(const std::string& employee, client& c) {
    (void)employee;
    clients_.insert(&c);
  }

  void remove(const std::string& employee, client& c) {
    auto [it, end] = clients_.equal_range(std::string_view(employee));
    for (; it != end; ++it) {
      if (*it != &c) continue;
      clients_.erase(it);
      return;
    }
  }

  // The clients of `employee` (a copy: delivering may disconnect and so change the index).
  std::vector<client*> clients_of(std::string_view employee) const {
    auto [it, end] = clients_.equal_range(employee);
    return std::vector<client*>(it, end);
  }

  std::vector<client*> all() const { return std::vector<client*>(clients_.begin(), clients_.end()); }

  // How many distinct employees (for tests; walks the index: the clients of one employee are
  // adjacent in a multiset's iteration order).
  std::size_t employee_count() const {
    std::size_t n = 0;
    const client* previous = nullptr;
    for (const client* c : clients_) {
      if (!previous || key_of(previous) != key_of(c)) ++n;
      previous = c;
    }
    return n;
  }

 private:
  static std::string_view key_of(const client* c) noexcept { return c->who->employee; }
  // Transparent: looked up by the employee id, stored by the client that names it.
  struct by_employee_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view employee) const noexcept {
      return std::hash<std::string_view>{}(employee);
    }
    std::size_t operator()(const client* c) const noexcept { return (*this)(key_of(c)); }
  };
  struct by_employee_equal {
    using is_transparent = void;
    static std::string_view key(std::string_view employee) noexcept { return employee; }
    static std::string_view key(const client* c) noexcept { return key_of(c); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return key(a) == key(b);
    }
  };
  std::unordered_multiset<client*, by_employee_hash, by_employee_equal> clients_;
};

}  // namespace txrt::telecomx
