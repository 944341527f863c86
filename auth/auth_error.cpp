#include "auth/validator.hpp"

namespace txrt::auth {

std::string_view to_code(auth_error e) noexcept {
  switch (e) {
    case auth_error::none:
      return "none";  // never sent: success answers carry no code
    case auth_error::invalid_token:
      return "invalid_token";
    case auth_error::expired:
      return "expired";
    case auth_error::credentials_invalid:
      return "credentials_invalid";
    case auth_error::revoked:
      return "revoked";
    case auth_error::unavailable:
      return "unavailable";
  }
  return "unavailable";
}

}  // namespace txrt::auth
