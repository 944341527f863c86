#pragma once
// The floor's event source: one Redis connection in subscriber mode (PSUBSCRIBE
// <prefix>event:*) on loop 0, as txrt's bus. For each message on <prefix>event:<TYPE>:<customer>
// it builds the frame 42["<TYPE>",<payload as published>] once and hands each loop its own
// copy with the customer. It does not look inside the payload (txrt checks that it is a JSON
// object and reads its sub-event); a message without a customer is dropped (the floor has no
// ADMIN subscribers). The only file that knows hiredis.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/floor/io_handler.hpp"
#include "bench/floor/loop.hpp"

struct redisContext;

namespace txrt::floor {

class redis_feed final : public io_handler {
 public:
  redis_feed(std::vector<std::unique_ptr<loop>>& loops, std::string prefix);
  ~redis_feed() override;

  // Connects, PSUBSCRIBEs and waits for the confirmation (blocking, at start-up); then the
  // socket is non-blocking and registered with loop 0. False with `error` set on failure.
  bool start(const std::string& host, int port, std::string& error);
  void on_event(std::uint32_t events) override;
  std::uint64_t messages() const noexcept { return messages_; }

 private:
  void on_message(std::string_view channel, std::string_view payload);

  std::vector<std::unique_ptr<loop>>& loops_;
  std::string prefix_;
  redisContext* context_ = nullptr;
  std::uint64_t messages_ = 0;
};

}  // namespace txrt::floor
