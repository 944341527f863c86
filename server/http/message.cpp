#include "server/http/message.hpp"

namespace txrt::http {

response make_response(const request& req, unsigned status, std::string body,
                       std::string_view content_type) {
  response res{static_cast<beast_http::status>(status), req.version()};
  res.set(beast_http::field::server, "txrt");
  res.set(beast_http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace txrt::http
