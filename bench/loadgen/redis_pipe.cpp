#include "bench/loadgen/redis_pipe.hpp"

#include <hiredis/hiredis.h>

#include <array>

namespace txrt::bench {

redis_pipe::~redis_pipe() {
  if (context_) redisFree(context_);
}

bool redis_pipe::connect(const endpoint& where) {
  timeval timeout{5, 0};
  context_ = redisConnectWithTimeout(where.host.c_str(), where.port, timeout);
  if (!context_ || context_->err) {
    error_ = context_ ? context_->errstr : "cannot allocate a Redis context";
    return false;
  }
  redisSetTimeout(context_, timeout);
  return true;
}

void redis_pipe::append(std::initializer_list<std::string_view> args) {
  std::array<const char*, 8> argv{};
  std::array<std::size_t, 8> lengths{};
  int argc = 0;
  for (auto a : args) {
    if (argc == static_cast<int>(argv.size())) break;
    argv[argc] = a.data();
    lengths[argc] = a.size();
    ++argc;
  }
  redisAppendCommandArgv(context_, argc, argv.data(), lengths.data());
  ++pending_;
}

bool redis_pipe::flush(std::uint64_t* integers) {
  bool ok = true;
  while (pending_ > 0) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || !raw) {
      error_ = context_->errstr[0] ? context_->errstr : "Redis connection lost";
      pending_ = 0;
      return false;
    }
    --pending_;
    auto* reply = static_cast<redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ERROR) {
      if (ok) error_ = std::string(reply->str, reply->len);
      ok = false;
    } else if (reply->type == REDIS_REPLY_INTEGER && integers) {
      *integers += static_cast<std::uint64_t>(reply->integer);
    }
    freeReplyObject(reply);
  }
  return ok;
}

}  // namespace txrt::bench
