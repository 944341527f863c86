#pragma once
// The customer directory: each customer's parent (reseller), from which a reseller's reach is
// computed. Implementations: the tokens file's "customers" section, and the Redis hash
// <prefix>customer:parent (customer -> parent). Lookups are cached; a CONFIG CUSTOMER_UPDATED
// or CUSTOMER_DELETED event invalidates the customer's entry.
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace txrt::auth {

struct chain_result {
  bool ok = false;                  // false: the directory could not be reached (unavailable)
  std::vector<std::string> parents;  // C's parent, its parent, ... up to the root (may be empty)
};

using chain_callback = std::function<void(chain_result)>;

class customer_directory {
 public:
  virtual ~customer_directory() = default;
  // The parent chain of `customer`. `done` runs later on `caller` (never inline). Bounded:
  // a cycle or a chain longer than 32 ends the walk.
  virtual void parent_chain(const std::string& customer, boost::asio::any_io_executor caller,
                            chain_callback done) = 0;
  // Drops what is cached about `customer` (thread-safe).
  virtual void invalidate(const std::string& customer) = 0;
};

}  // namespace txrt::auth
