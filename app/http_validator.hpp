#pragma once
// Token validation the Telecom X way: GET <auth-url>?token=<token>&ip=<remote address>, answered
// {success, employee, customer, accessLevel, name?} with 200, or 401/403 when the token is not
// valid (for that IP). It lives in server/ because it is a Beast HTTP client; it runs on the
// caller's loop, one short-lived connection per validation (the caching decorator keeps them
// rare). For https://, the server's certificate must verify against auth-ca-file (or the
// system's trust store) and name the URL's host; a handshake that fails is `unavailable`,
// logged once until one succeeds again.
//
// Outcomes: an empty token -> credentials_invalid (no request); 200 + identity -> ok;
// 200 + success:false, 401, 403 -> invalid_token; 200 + NO_LOGIN -> credentials_invalid; any
// other status, a body that is not a valid identity document, a network error, or no answer
// within the deadline -> unavailable. A 200 with a bad body is the auth service's fault, not
// the token's, so it is `unavailable` (clients may retry), not `invalid_token`.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <boost/url/url.hpp>

#include "auth/validator.hpp"

namespace txrt::telecomx {

using auth::auth_callback;
using auth::auth_error;
using auth::auth_request;
using auth::auth_result;
using auth::token_validator;

struct tls_client;  // the TLS context of an https:// validator (http_validator.cpp)

class http_validator final : public token_validator {
 public:
  // Throws std::invalid_argument for a URL that is not http(s)://host[:port]/path[?query], or
  // (https) a `ca_file` that cannot be read or holds no certificate. An empty `ca_file` means
  // the system's trust store; it is not used for http://.
  explicit http_validator(std::string_view auth_url,
                          std::chrono::milliseconds deadline = std::chrono::milliseconds(2000),
                          const std::string& ca_file = {});

  void validate(const auth_request& request, boost::asio::any_io_executor caller,
                auth_callback done) override;

  // What an HTTP answer means (public for tests).
  static auth_result interpret(unsigned status, std::string_view body);

 private:
  boost::urls::url base_;
  std::string host_, port_;
  std::chrono::milliseconds deadline_;
  std::shared_ptr<tls_client> tls_;  // https:// only
};

}  // namespace txrt::telecomx
