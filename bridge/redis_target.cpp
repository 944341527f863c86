#include "bridge/redis_target.hpp"

#include <stdexcept>

#include "bridge/redis_tls.hpp"

namespace txrt::bridge {

namespace {

std::optional<redis_target> fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

// The TLS context, read from the redis-tls-* files, when the endpoints use TLS.
std::optional<redis_target> with_tls(const config::settings& cfg, redis_target target,
                                     std::string* error) {
  if (!target.endpoint.tls) return target;
  std::string why;
  target.tls = make_redis_tls_context(
      {cfg.redis_tls_ca_file, cfg.redis_tls_cert_file, cfg.redis_tls_key_file}, &why);
  if (!target.tls) return fail(error, why);
  return target;
}

}  // namespace

std::optional<redis_target> redis_target_from(const config::settings& cfg, std::string* error) {
  if (auto why = config::validate(cfg); !why.empty() && why.starts_with("redis"))
    return fail(error, why);
  if (!config::uses_redis(cfg)) return fail(error, "redis: not configured");
  redis_target target;
  std::string why;
  if (!cfg.redis.empty()) {
    auto ep = parse_redis_url(cfg.redis, &why);
    if (!ep) return fail(error, "redis: " + why);
    if (!cfg.redis_password.empty()) {
      if (!ep->password.empty())
        return fail(error, "redis-password: the redis URL has a password already");
      ep->user = cfg.redis_user;
      ep->password = cfg.redis_password;
    }
    target.endpoint = std::move(*ep);
    return with_tls(cfg, std::move(target), error);
  }
  for (const auto& s : cfg.redis_sentinels) {
    auto ep = parse_redis_url(s, &why);
    if (!ep) return fail(error, "redis-sentinels: '" + s + "': " + why);
    if (!ep->password.empty() || ep->db != 0 || ep->tls)
      return fail(error, "redis-sentinels: '" + s + "': host:port only (the password is " +
                             "redis-sentinel-password, TLS is redis-tls)");
    ep->password = cfg.redis_sentinel_password;
    ep->tls = cfg.redis_tls;
    target.sentinels.push_back(std::move(*ep));
  }
  target.endpoint.user = cfg.redis_user;
  target.endpoint.password = cfg.redis_password;
  target.endpoint.tls = cfg.redis_tls;
  target.master_name = cfg.redis_master_name;
  return with_tls(cfg, std::move(target), error);
}

redis_target redis_target_or_throw(const config::settings& cfg) {
  std::string error;
  auto target = redis_target_from(cfg, &error);
  if (!target) throw std::invalid_argument(error);
  return std::move(*target);
}

}  // namespace txrt::bridge
