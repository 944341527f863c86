#pragma once
// customer_directory over the tokens file's "customers" section.
#include <memory>
#include <mutex>

#include "auth/directory.hpp"
#include "auth/file_store.hpp"

namespace txrt::auth {

class file_directory final : public customer_directory {
 public:
  explicit file_directory(std::shared_ptr<const file_store> store);

  // Always ok; an unknown or root customer has an empty chain. Thread-safe.
  void parent_chain(const std::string& customer, boost::asio::any_io_executor caller,
                    chain_callback done) override;

  // Nothing to drop: the file is authoritative and held in memory, so a CUSTOMER_UPDATED event
  // cannot make it stale. The tree changes only by replace() after the file is edited.
  void invalidate(const std::string& customer) override {}

  // Swaps in a reloaded file (SIGHUP). Thread-safe.
  void replace(std::shared_ptr<const file_store> store);

 private:
  mutable std::mutex mutex_;  // guards store_ (see file_validator for why not an atomic)
  std::shared_ptr<const file_store> store_;
};

}  // namespace txrt::auth
