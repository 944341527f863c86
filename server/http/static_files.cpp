#include "server/http/static_files.hpp"

#include <fstream>
#include <iterator>
#include <memory>

namespace txrt::http {

std::size_t add_static_files(router& routes, const std::string& dir,
                             const std::vector<static_file>& files) {
  std::size_t found = 0;
  for (const auto& f : files) {
    std::ifstream in(dir + "/" + f.file_name, std::ios::binary);
    if (!in) continue;
    auto body = std::make_shared<const std::string>(std::istreambuf_iterator<char>(in),
                                                    std::istreambuf_iterator<char>());
    routes.handlers[f.path] = [body, type = f.content_type](const request& req) {
      if (req.method() != beast_http::verb::get && req.method() != beast_http::verb::head)
        return make_response(req, 405, "Method Not Allowed");
      auto res = make_response(req, 200, *body, type);
      res.set(beast_http::field::cache_control, "no-cache");
      return res;
    };
    ++found;
  }
  return found;
}

}  // namespace txrt::http
