#include "app/check_config.hpp"

#include <exception>
#include <stdexcept>

#include "app/http_validator.hpp"
#include "bridge/redis_target.hpp"
#include "protocol/forwarded.hpp"
#include "server/listener.hpp"
#include "server/tls/certificates.hpp"

namespace txrt::telecomx {

bool uses_tokens_file(const config::settings& cfg) {
  return cfg.auth == "file" || config::directory_kind(cfg) == "file";
}

std::string tokens_file_path(const config::settings& cfg) {
  return cfg.auth_file.empty() ? config::default_auth_file() : cfg.auth_file;
}

auth::store_load load_tokens(const config::settings& cfg) {
  auto loaded = auth::file_store::load(tokens_file_path(cfg));
  if (!loaded) loaded.error = "auth-file: " + loaded.error;
  return loaded;
}

std::shared_ptr<http_validator> make_http_validator(const config::settings& cfg,
                                                    std::chrono::milliseconds timeout) {
  try {
    return std::make_shared<http_validator>(cfg.auth_url, timeout, cfg.auth_ca_file);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw std::invalid_argument(what.starts_with("auth-") ? what : "auth-url: " + what);
  }
}

std::string validate(const config::settings& cfg) {
  try {
    server::parse_endpoint(cfg.listen);
  } catch (const std::exception& e) {
    return std::string("listen: ") + e.what();
  }
  if (auto error = config::validate(cfg); !error.empty()) return error;
  if (auto error = server::tls::check_files(cfg.tls_cert, cfg.tls_key); !error.empty())
    return error;
  if (std::string why; !protocol::address_ranges::parse(cfg.trusted_proxies, &why))
    return "trusted-proxies: " + why;
  if (config::uses_redis(cfg)) {
    std::string why;
    if (!bridge::redis_target_from(cfg, &why)) return why;
  }
  if (cfg.auth == "http") {
    try {
      make_http_validator(cfg, std::chrono::milliseconds(cfg.validator_timeout_ms));
    } catch (const std::exception& e) {
      return e.what();
    }
  }
  if (uses_tokens_file(cfg)) {
    if (auto loaded = load_tokens(cfg); !loaded) return loaded.error;
  }
  return {};
}

}  // namespace txrt::telecomx
