#pragma once
// The authenticated clients of one loop, by employee: where REQUEST / REPLY deliveries and
// revocations find their sockets. One per loop, used only by that loop.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace txrt::telecomx {

struct client;

class employee_index {
 public:
  void add(const std::string& employee, client& c) { by_employee_[employee].push_back(&c); }

  void remove(const std::string& employee, client& c) {
    auto it = by_employee_.find(employee);
    if (it == by_employee_.end()) return;
    auto& list = it->second;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i] != &c) continue;
      list[i] = list.back();
      list.pop_back();
      break;
    }
    if (list.empty()) by_employee_.erase(it);
  }

  // The clients of `employee` (a copy: delivering may disconnect and so change the index).
  std::vector<client*> clients_of(const std::string& employee) const {
    auto it = by_employee_.find(employee);
    return it == by_employee_.end() ? std::vector<client*>{} : it->second;
  }

  std::vector<client*> all() const {
    std::vector<client*> out;
    for (const auto& [employee, list] : by_employee_) out.insert(out.end(), list.begin(), list.end());
    return out;
  }

  std::size_t employee_count() const noexcept { return by_employee_.size(); }

 private:
  std::unordered_map<std::string, std::vector<client*>> by_employee_;
};

}  // namespace txrt::telecomx
