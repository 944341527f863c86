#pragma once
// Cross-origin policy for browser clients: which Origins may read our answers, with or
// without credentials, and the answer to a preflight (OPTIONS) request.
#include <string>
#include <vector>

#include "server/http/message.hpp"

namespace txrt::http {

class cors_policy {
 public:
  cors_policy(std::vector<std::string> origins, bool credentials);

  // Adds the Access-Control-* headers `res` needs for `req` (none when the request has no
  // Origin or the Origin is not allowed).
  void apply(const request& req, response& res) const;
  // The 204 answer to an OPTIONS preflight.
  response preflight(const request& req) const;

 private:
  bool allowed(std::string_view origin) const;

  std::vector<std::string> origins_;
  bool any_ = false;
  bool credentials_ = false;
};

}  // namespace txrt::http
