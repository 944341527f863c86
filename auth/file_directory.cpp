#include "auth/file_directory.hpp"

#include <utility>

#include <boost/asio/post.hpp>

namespace txrt::auth {

file_directory::file_directory(std::shared_ptr<const file_store> store)
    : store_(std::move(store)) {}

void file_directory::replace(std::shared_ptr<const file_store> store) {
  std::lock_guard lock(mutex_);
  store_ = std::move(store);
}

void file_directory::parent_chain(const std::string& customer, boost::asio::any_io_executor caller,
                                  chain_callback done) {
  std::shared_ptr<const file_store> store;
  {
    std::lock_guard lock(mutex_);
    store = store_;
  }
  chain_result result;
  result.ok = store != nullptr;  // no file loaded: answer like an unreachable directory
  if (store) result.parents = store->parent_chain(customer);
  boost::asio::post(caller, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace txrt::auth
