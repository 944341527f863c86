#pragma once
// The HTTP message types of the server and small helpers to build answers.
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace txrt::http {

namespace beast_http = boost::beast::http;
using request = beast_http::request<beast_http::string_body>;
using response = beast_http::response<beast_http::string_body>;

// An answer with status, body and content type; keep-alive follows the request.
response make_response(const request& req, unsigned status, std::string body,
                       std::string_view content_type = "text/plain; charset=UTF-8");

}  // namespace txrt::http
