#pragma once
// The official socket.io client bundle (npm socket.io-client, dist/), served at
// /socket.io/socket.io.js, .min.js, .esm.min.js and their .map files, with an ETag so that
// browsers revalidate with If-None-Match and get 304.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/http/message.hpp"

namespace txrt::http {

class client_bundle {
 public:
  // Reads the files from `dist_dir` once. Missing files are reported by loaded_count().
  explicit client_bundle(const std::string& dist_dir);

  std::size_t loaded_count() const noexcept { return files_.size(); }
  // The answer for `req` when its path names a bundle file ("/socket.io/socket.io.js"), else
  // nothing.
  std::optional<response> serve(const request& req, std::string_view path) const;

 private:
  struct file {
    std::string body;
    std::string etag;
    std::string_view content_type;
  };
  std::unordered_map<std::string, file> files_;  // by request path
};

}  // namespace txrt::http
