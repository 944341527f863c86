#include "server/http/cors.hpp"

#include <algorithm>

namespace txrt::http {

cors_policy::cors_policy(std::vector<std::string> origins, bool credentials)
    : origins_(std::move(origins)), credentials_(credentials) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool cors_policy::allowed(std::string_view origin) const {
  return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void cors_policy::apply(const request& req, response& res) const {
  auto origin = req[beast_http::field::origin];
  if (origin.empty() || !allowed(origin)) return;
  // "*" cannot be combined with credentials, and a list must name the one origin it allows:
  // in both cases echo the request's Origin and tell caches that the answer varies with it.
  if (any_ && !credentials_) {
    res.set(beast_http::field::access_control_allow_origin, "*");
  } else {
    res.set(beast_http::field::access_control_allow_origin, origin);
    res.set(beast_http::field::vary, "Origin");
  }
  if (credentials_) res.set(beast_http::field::access_control_allow_credentials, "true");
}

response cors_policy::preflight(const request& req) const {
  response res = make_response(req, 204, "", "text/plain; charset=UTF-8");
  apply(req, res);
  if (res.count(beast_http::field::access_control_allow_origin)) {
    res.set(beast_http::field::access_control_allow_methods, "GET, POST, OPTIONS");
    auto asked = req[beast_http::field::access_control_request_headers];
    if (!asked.empty()) res.set(beast_http::field::access_control_allow_headers, asked);
    res.set(beast_http::field::access_control_max_age, "86400");
  }
  res.prepare_payload();
  return res;
}

}  // namespace txrt::http
