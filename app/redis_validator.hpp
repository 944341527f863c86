#pragma once
// Token validation against Redis: GET <prefix>session:<token> holds the identity JSON
// (bridge/identity_json.hpp). An empty token -> credentials_invalid (no lookup, as the file
// validator does); nil or success:false -> invalid_token; NO_LOGIN ->
// credentials_invalid; malformed JSON -> invalid_token (with a message naming the problem);
// no connection, or no answer within the deadline -> unavailable.
#include <chrono>
#include <memory>
#include <string>

#include "auth/validator.hpp"
#include "bridge/redis_command_pool.hpp"
#include "bridge/redis_connection.hpp"

namespace txrt::telecomx {

namespace net = boost::asio;
using bridge::redis_connection;
using bridge::redis_reply;

class redis_validator final : public auth::token_validator {
 public:
  // `commands`: the node's command connections (redis_bus::command_pool()); each GET goes on
  // the calling loop's own.
  redis_validator(std::shared_ptr<bridge::redis_command_pool> commands, std::string prefix,
                  std::chrono::milliseconds deadline = std::chrono::milliseconds(2000));
  // On one started command connection.
  redis_validator(std::shared_ptr<redis_connection> commands, std::string prefix,
                  std::chrono::milliseconds deadline = std::chrono::milliseconds(2000));
  // Opens (and owns) its own connection to `url` on `loop`; throws std::invalid_argument for
  // a bad URL.
  redis_validator(net::io_context& loop, const std::string& url, std::string prefix,
                  std::chrono::milliseconds deadline = std::chrono::milliseconds(2000));
  ~redis_validator() override;

  // Any thread; `done` runs on `caller`, never inside validate(). If the connection is closed
  // (shutdown) first, `done` is never called.
  void validate(const auth::auth_request& request, boost::asio::any_io_executor caller,
                auth::auth_callback done) override;

  // What a GET reply means (public for tests).
  static auth::auth_result interpret(const redis_reply& reply);

 private:
  std::shared_ptr<bridge::redis_command_pool> commands_;
  std::string prefix_;
  std::chrono::milliseconds deadline_;
  bool owns_connection_ = false;
};

}  // namespace txrt::telecomx
