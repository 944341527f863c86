#pragma once
// token_validator over the tokens file. Answers from memory, but still completes through
// `caller` (never inline) like every validator, so callers have one code path.
#include <memory>
#include <mutex>

#include "auth/file_store.hpp"
#include "auth/validator.hpp"

namespace txrt::auth {

class file_validator final : public token_validator {
 public:
  explicit file_validator(std::shared_ptr<const file_store> store);

  // Empty token -> credentials_invalid; unknown token, success:false, or bound to an address
  // other than request.ip -> invalid_token; "expires" not in the future -> expired; NO_LOGIN
  // -> credentials_invalid. Thread-safe.
  void validate(const auth_request& request, boost::asio::any_io_executor caller,
                auth_callback done) override;

  // Swaps in a reloaded file (SIGHUP). Validations already answered keep their identities;
  // later ones see the new file. Thread-safe.
  void replace(std::shared_ptr<const file_store> store);

  // The synchronous core of validate(), for tests and tools.
  static auth_result check(const file_store& store, const auth_request& request);

 private:
  std::shared_ptr<const file_store> current() const;

  // A mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12 implements the latter with
  // an internal lock anyway, and validation is not on the per-message path.
  mutable std::mutex mutex_;
  std::shared_ptr<const file_store> store_;
};

}  // namespace txrt::auth
