#include "server/http/client_bundle.hpp"

#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

namespace txrt::http {

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

client_bundle::client_bundle(const std::string& dist_dir) {
  static constexpr std::string_view names[] = {
      "socket.io.js",         "socket.io.js.map",         "socket.io.min.js",
      "socket.io.min.js.map", "socket.io.esm.min.js",     "socket.io.esm.min.js.map",
  };
  for (std::string_view name : names) {
    auto body = read_file(dist_dir + "/" + std::string(name));
    if (!body) continue;
    file f;
    // A strong validator from the content itself: it changes whenever the bundle changes.
    std::ostringstream etag;
    etag << '"' << std::hex << std::hash<std::string>{}(*body) << '-' << body->size() << '"';
    f.etag = etag.str();
    f.content_type = name.ends_with(".map") ? std::string_view("application/json")
                                            : std::string_view("application/javascript");
    f.body = std::move(*body);
    files_.emplace("/socket.io/" + std::string(name), std::move(f));
  }
}

std::optional<response> client_bundle::serve(const request& req, std::string_view path) const {
  auto it = files_.find(std::string(path));
  if (it == files_.end()) return std::nullopt;
  const file& f = it->second;
  if (req.method() != beast_http::verb::get && req.method() != beast_http::verb::head)
    return make_response(req, 405, "Method Not Allowed");
  if (req[beast_http::field::if_none_match] == f.etag) {
    response res = make_response(req, 304, "", f.content_type);
    res.set(beast_http::field::etag, f.etag);
    return res;
  }
  response res = make_response(req, 200, f.body, f.content_type);
  res.set(beast_http::field::etag, f.etag);
  res.set(beast_http::field::cache_control, "public, max-age=0");
  return res;
}

}  // namespace txrt::http
