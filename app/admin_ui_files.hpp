#pragma once
// The Socket.IO Admin UI's built files (npm @socket.io/admin-ui, ui/dist/), served at /admin/
// from memory: index.html at /admin/, every other file under its own path; /admin redirects
// to /admin/ (the page's links are relative).
#include <cstddef>
#include <string>

#include "server/http/router.hpp"

namespace txrt::telecomx {

// Reads every file under `dist_dir` once; returns how many were found (0: not installed).
std::size_t add_admin_ui_files(http::router& routes, const std::string& dist_dir);

}  // namespace txrt::telecomx
