#include "bench/loadgen/sessions.hpp"

namespace txrt::bench {

namespace {
constexpr std::uint32_t batch = 1000;
}

std::string customer_name(std::uint32_t channel) { return "bench-c" + std::to_string(channel); }

std::string channel_name(const std::string& prefix, std::uint32_t channel) {
  return prefix + "event:PBX:" + customer_name(channel);
}

std::string token_of(std::uint32_t run, std::uint32_t session) {
  return "bench-" + std::to_string(run) + "-" + std::to_string(session);
}

bool write_sessions(redis_pipe& redis, const options& o, std::uint32_t run) {
  for (std::uint32_t i = 0; i < o.sessions; ++i) {
    const std::string key = o.prefix + "session:" + token_of(run, i);
    const std::string identity = "{\"employee\":\"bench-e" + std::to_string(i) +
                                 "\",\"customer\":\"" + customer_name(i % o.customers) +
                                 "\",\"accessLevel\":\"MANAGER\"}";
    redis.append({"SET", key, identity, "EX", "3600"});
    if (redis.pending() >= batch && !redis.flush()) return false;
  }
  return redis.flush();
}

bool delete_sessions(redis_pipe& redis, const options& o, std::uint32_t run) {
  for (std::uint32_t i = 0; i < o.sessions; ++i) {
    redis.append({"DEL", o.prefix + "session:" + token_of(run, i)});
    if (redis.pending() >= batch && !redis.flush()) return false;
  }
  return redis.flush();
}

}  // namespace txrt::bench
