#include "bridge/redis_target.hpp"

#include <stdexcept>

namespace txrt::bridge {

namespace {

std::optional<redis_target> fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
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
    return target;
  }
  for (const auto& s : cfg.redis_sentinels) {
    auto ep = parse_redis_url(s, &why);
    if (!ep) return fail(error, "redis-sentinels: '" + s + "': " + why);
    if (!ep->password.empty() || ep->db != 0)
      return fail(error, "redis-sentinels: '" + s + "': host:port only (the password is " +
                             "redis-sentinel-password)");
    ep->password = cfg.redis_sentinel_password;
    target.sentinels.push_back(std::move(*ep));
  }
  target.endpoint.user = cfg.redis_user;
  target.endpoint.password = cfg.redis_password;
  target.master_name = cfg.redis_master_name;
  return target;
}

redis_target redis_target_or_throw(const config::settings& cfg) {
  std::string error;
  auto target = redis_target_from(cfg, &error);
  if (!target) throw std::invalid_argument(error);
  return std::move(*target);
}

}  // namespace txrt::bridge
