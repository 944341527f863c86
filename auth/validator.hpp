#pragma once
// Token validators resolve (token, ip) to an identity. One interface, three implementations
// (file, redis, http), plus a caching decorator. Every call completes exactly once, on the
// executor the caller passed, within the validator's own deadline: a validator that cannot
// reach its backend answers `unavailable` well before the socket's authTimeout.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "protocol/telecomx/identity.hpp"

namespace txrt::auth {

// Who a token stands for, in the Telecom X vocabulary (protocol/telecomx/identity.hpp).
using telecomx::access_level;
using telecomx::identity;

enum class auth_error : std::uint8_t {
  none,
  invalid_token,        // unknown token, or bound to another IP, or success:false
  expired,
  credentials_invalid,  // malformed payload (no token / not a string), or NO_LOGIN level
  revoked,
  unavailable,          // the backend cannot be reached in time
};

// The client-visible code ("invalid_token", ...).
std::string_view to_code(auth_error e) noexcept;

struct auth_request {
  std::string token;
  std::string ip;  // the address the server sees (remoteAddress), to which tokens are bound
};

struct auth_result {
  // Set on success. Shared, never copied: the cache entry and every socket that authenticated
  // with this answer hold the same identity (one per token, not one per socket and one more per
  // cache entry). Immutable once built; a changed identity is a new object.
  std::shared_ptr<const identity> who;
  auth_error error = auth_error::none;
  std::string message;          // human-readable, never contains the token
};

using auth_callback = std::function<void(auth_result)>;

class token_validator {
 public:
  virtual ~token_validator() = default;
  // Must be called on `caller`'s thread; `done` runs later on `caller` (never inline).
  virtual void validate(const auth_request& request, boost::asio::any_io_executor caller,
                        auth_callback done) = 0;
};

}  // namespace txrt::auth
