#pragma once
// Small static files (the demo page) read once at start-up and served from memory.
#include <string>
#include <vector>

#include "server/http/router.hpp"

namespace txrt::http {

struct static_file {
  std::string path;       // request path, e.g. "/" or "/demo.js"
  std::string file_name;  // file inside the directory, e.g. "index.html"
  std::string content_type;
};

// Adds a handler per file found in `dir`; returns how many were found.
std::size_t add_static_files(router& routes, const std::string& dir,
                             const std::vector<static_file>& files);

}  // namespace txrt::http
