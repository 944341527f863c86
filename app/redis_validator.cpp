#include "app/redis_validator.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "bridge/channels.hpp"
#include "protocol/telecomx/identity_document.hpp"
#include "app/app_metrics.hpp"

namespace txrt::telecomx {

namespace {

auth::auth_result failure(auth::auth_error error, std::string message) {
  auth::auth_result r;
  r.error = error;
  r.message = std::move(message);
  return r;
}

}  // namespace

redis_validator::redis_validator(std::shared_ptr<bridge::redis_command_pool> commands,
                                 std::string prefix, std::chrono::milliseconds deadline)
    : commands_(std::move(commands)), prefix_(std::move(prefix)), deadline_(deadline) {}

redis_validator::redis_validator(std::shared_ptr<redis_connection> commands, std::string prefix,
                                 std::chrono::milliseconds deadline)
    : redis_validator(std::make_shared<bridge::redis_command_pool>(
                          std::vector<std::shared_ptr<redis_connection>>{std::move(commands)}),
                      std::move(prefix), deadline) {}

redis_validator::redis_validator(net::io_context& loop, const std::string& url, std::string prefix,
                                 std::chrono::milliseconds deadline)
    : redis_validator(bridge::open_redis(loop, url, "validator", deadline), std::move(prefix), deadline) {
  owns_connection_ = true;
}

redis_validator::~redis_validator() {
  if (owns_connection_) commands_->close();
}

void redis_validator::validate(const auth::auth_request& request,
                               boost::asio::any_io_executor caller, auth::auth_callback done) {
  if (request.token.empty()) {  // as the file validator: a missing token is a malformed payload
    boost::asio::post(caller, [done = std::move(done)]() {
      done(failure(auth::auth_error::credentials_invalid, "no token"));
    });
    return;
  }
  // On the calling loop's own connection; the reply is already on the caller's loop when the
  // caller is that loop, and the dispatch then runs `done` there without another hop.
  commands_->command(
      {"GET", bridge::session_key(prefix_, request.token)},
      [caller = std::move(caller), done = std::move(done),
       started = std::chrono::steady_clock::now()](redis_reply reply) mutable {
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        metrics::validator_duration.observe(took.count());
        boost::asio::dispatch(
            caller, [done = std::move(done), result = interpret(reply)]() { done(result); });
      },
      deadline_);
}

auth::auth_result redis_validator::interpret(const redis_reply& reply) {
  using auth::auth_error;
  switch (reply.type) {
    case redis_reply::kind::nil:
      return failure(auth_error::invalid_token, "unknown token");
    case redis_reply::kind::string:
      break;
    case redis_reply::kind::error:
      // WRONGTYPE: the key exists but is no session; anything else is the store's trouble.
      if (reply.str.starts_with("WRONGTYPE"))
        return failure(auth_error::invalid_token, "malformed session: not a string");
      return failure(auth_error::unavailable, "session store error");
    default:
      return failure(auth_error::unavailable, "session store unavailable");
  }
  identity_document doc = parse_identity_json(reply.str);
  switch (doc.status) {
    case identity_status::ok: {
      auth::auth_result r;
      r.who = std::make_shared<const telecomx::identity>(std::move(doc.who));
      return r;
    }
    case identity_status::rejected:
      return failure(auth_error::invalid_token, "token rejected");
    case identity_status::no_login:
      return failure(auth_error::credentials_invalid, "access level NO_LOGIN cannot log in");
    case identity_status::malformed:
      break;
  }
  return failure(auth_error::invalid_token, "malformed session: " + doc.error);
}

}  // namespace txrt::telecomx
