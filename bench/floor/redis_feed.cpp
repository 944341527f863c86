#include "bench/floor/redis_feed.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>

#include "protocol/websocket/frame.hpp"

namespace txrt::floor {

namespace {

// Reads per wake-up: a busy feed yields to the sockets of loop 0 after this many.
constexpr int max_reads_per_wake = 4;

std::string glob_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

redis_feed::redis_feed(std::vector<std::unique_ptr<loop>>& loops, std::string prefix)
    : loops_(loops), prefix_(std::move(prefix)) {}

redis_feed::~redis_feed() {
  if (context_) redisFree(context_);
}

bool redis_feed::start(const std::string& host, int port, std::string& error) {
  const timeval timeout{5, 0};
  context_ = redisConnectWithTimeout(host.c_str(), port, timeout);
  if (!context_ || context_->err) {
    error = context_ ? context_->errstr : "cannot allocate a Redis context";
    return false;
  }
  redisSetTimeout(context_, timeout);
  const std::string pattern = glob_escaped(prefix_) + "event:*";
  auto* reply = static_cast<redisReply*>(
      redisCommand(context_, "PSUBSCRIBE %b", pattern.data(), pattern.size()));
  const bool ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3;
  if (reply) freeReplyObject(reply);
  if (!ok) {
    error = context_->err ? context_->errstr : "unexpected answer to PSUBSCRIBE";
    return false;
  }
  // From here on the loop reads: non-blocking, and hiredis told so (EAGAIN is then no error).
  ::fcntl(context_->fd, F_SETFL, ::fcntl(context_->fd, F_GETFL) | O_NONBLOCK);
  context_->flags &= ~REDIS_BLOCK;
  loops_[0]->add(context_->fd, this, EPOLLIN);
  return true;
}

void redis_feed::on_event(std::uint32_t) {
  for (int round = 0; round < max_reads_per_wake; ++round) {
    if (redisBufferRead(context_) != REDIS_OK) {
      std::fprintf(stderr, "txrt-floor: Redis connection lost: %s\n", context_->errstr);
      std::exit(1);  // a benchmark must not go on without its events
    }
    bool any = false;
    void* raw = nullptr;
    while (redisGetReplyFromReader(context_, &raw) == REDIS_OK && raw) {
      any = true;
      auto* reply = static_cast<redisReply*>(raw);
      // pmessage, pattern, channel, payload
      if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 4)
        on_message({reply->element[2]->str, reply->element[2]->len},
                   {reply->element[3]->str, reply->element[3]->len});
      freeReplyObject(reply);
      raw = nullptr;
    }
    if (!any) return;  // nothing more was readable
  }
}

void redis_feed::on_message(std::string_view channel, std::string_view payload) {
  ++messages_;
  const std::string head = prefix_ + "event:";
  if (!channel.starts_with(head)) return;
  channel.remove_prefix(head.size());
  const auto colon = channel.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == channel.size()) return;
  const auto type = channel.substr(0, colon);
  const std::string customer(channel.substr(colon + 1));
  std::string packet;
  packet.reserve(payload.size() + type.size() + 8);
  packet += "42[\"";
  packet += type;
  packet += "\",";
  packet += payload;
  packet += ']';
  const std::string frame = protocol::ws::encode_frame(protocol::ws::opcode::text, packet);
  for (auto& l : loops_) l->post_event(customer, std::make_shared<const std::string>(frame));
}

}  // namespace txrt::floor
