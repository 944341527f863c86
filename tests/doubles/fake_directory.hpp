#pragma once
// An auth::customer_directory for tests, from a map customer -> parent. Like the real ones it
// answers later, on the caller's executor (never inline); `available = false` makes every
// lookup fail (the directory unreachable). Records the customers it was asked about.
#include <map>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>

#include "auth/directory.hpp"

namespace txrt::test {

class fake_directory final : public auth::customer_directory {
 public:
  explicit fake_directory(std::map<std::string, std::string> parents = {})
      : parents(std::move(parents)) {}

  std::map<std::string, std::string> parents;
  bool available = true;
  std::vector<std::string> asked;  // parent_chain() calls, in order
  std::vector<std::string> invalidated;

  void parent_chain(const std::string& customer, boost::asio::any_io_executor caller,
                    auth::chain_callback done) override {
    asked.push_back(customer);
    auth::chain_result r;
    r.ok = available;
    if (available) {
      // Bounded like the real directories: a cycle or a chain past 32 ends the walk.
      std::string at = customer;
      for (int depth = 0; depth < 32; ++depth) {
        auto it = parents.find(at);
        if (it == parents.end() || it->second.empty()) break;
        r.parents.push_back(it->second);
        at = it->second;
      }
    }
    boost::asio::post(caller, [done = std::move(done), r = std::move(r)] { done(r); });
  }
  void invalidate(const std::string& customer) override { invalidated.push_back(customer); }
};

}  // namespace txrt::test
