#include "app/check_config.hpp"

#include <exception>

#include "auth/file_store.hpp"
#include "bridge/redis_url.hpp"
#include "app/http_validator.hpp"
#include "server/listener.hpp"

namespace txrt::telecomx {

std::string check_config(const config::settings& cfg) {
  try {
    server::parse_endpoint(cfg.listen);
  } catch (const std::exception& e) {
    return std::string("listen: ") + e.what();
  }
  const std::string directory =
      !cfg.directory.empty() ? cfg.directory : (cfg.auth == "redis" ? "redis" : "file");
  if ((cfg.auth == "redis" || directory == "redis") && cfg.redis.empty())
    return "redis: required by auth=redis or directory=redis";
  if (!cfg.redis.empty()) {
    std::string why;
    if (!bridge::parse_redis_url(cfg.redis, &why)) return "redis: " + why;
  }
  if (cfg.auth == "http") {
    if (cfg.auth_url.empty()) return "auth-url: required by auth=http";
    try {
      telecomx::http_validator probe(cfg.auth_url);
    } catch (const std::exception& e) {
      const std::string what = e.what();
      return what.starts_with("auth-url") ? what : "auth-url: " + what;
    }
  }
  if (cfg.auth == "file" || directory == "file") {
    const std::string path = cfg.auth_file.empty() ? config::default_auth_file() : cfg.auth_file;
    auto loaded = auth::file_store::load(path);
    if (!loaded) return "auth-file: " + loaded.error;
  }
  return {};
}

}  // namespace txrt::telecomx
