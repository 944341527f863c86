#include "app/admin_ui_files.hpp"

#include <filesystem>
#include <string_view>
#include <vector>

#include "server/http/static_files.hpp"

namespace txrt::telecomx {

namespace {

std::string content_type(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=UTF-8";
  if (ext == ".js") return "application/javascript";
  if (ext == ".css") return "text/css";
  if (ext == ".map" || ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

}  // namespace

std::size_t add_admin_ui_files(http::router& routes, const std::string& dist_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dist_dir, ec)) return 0;
  std::vector<http::static_file> files;
  for (auto it = fs::recursive_directory_iterator(dist_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = fs::relative(it->path(), dist_dir, ec).generic_string();
    if (ec || rel.empty()) continue;
    files.push_back({"/admin/" + rel, rel, content_type(it->path())});
    if (rel == "index.html") files.push_back({"/admin/", rel, content_type(it->path())});
  }
  const std::size_t found = http::add_static_files(routes, dist_dir, files);
  if (found > 0)
    routes.handlers["/admin"] = [](const http::request& req) {
      auto res = http::make_response(req, 301, "");
      res.set(http::beast_http::field::location, "/admin/");
      return res;
    };
  return found;
}

}  // namespace txrt::telecomx
