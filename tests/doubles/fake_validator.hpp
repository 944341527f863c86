#pragma once
// A token_validator that answers from a map: a test double for the authenticator. Unknown
// tokens are invalid_token. Answers are posted to the caller's executor (never inline, as the
// interface requires); with `deferred` they wait until the test releases them, in any order,
// so a test can let an older answer arrive after a newer one.
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>

#include "auth/validator.hpp"

namespace txrt::test {

class fake_validator final : public auth::token_validator {
 public:
  void add(std::string token, auth::identity who) {
    answers_[std::move(token)] = auth::auth_result{
        std::make_shared<const auth::identity>(std::move(who)), auth::auth_error::none, {}};
  }
  void add_error(std::string token, auth::auth_error error, std::string message) {
    answers_[std::move(token)] = auth::auth_result{nullptr, error, std::move(message)};
  }

  void validate(const auth::auth_request& request, boost::asio::any_io_executor caller,
                auth::auth_callback done) override {
    requests.push_back(request);
    pending call{std::move(caller), std::move(done), answer(request.token)};
    if (deferred)
      pending_.push_back(std::move(call));
    else
      post(std::move(call));
  }

  // Deferred mode: answers the `i`-th call still waiting (0 = the oldest).
  void release(std::size_t i) {
    auto call = std::move(pending_.at(i));
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    post(std::move(call));
  }
  std::size_t waiting() const noexcept { return pending_.size(); }

  bool deferred = false;
  std::vector<auth::auth_request> requests;  // every call, in order

 private:
  struct pending {
    boost::asio::any_io_executor caller;
    auth::auth_callback done;
    auth::auth_result result;
  };

  auth::auth_result answer(const std::string& token) const {
    auto it = answers_.find(token);
    if (it != answers_.end()) return it->second;
    return auth::auth_result{nullptr, auth::auth_error::invalid_token, "unknown token"};
  }
  static void post(pending call) {
    boost::asio::post(call.caller,
                      [done = std::move(call.done), result = std::move(call.result)]() mutable {
                        done(std::move(result));
                      });
  }

  std::map<std::string, auth::auth_result> answers_;
  std::vector<pending> pending_;
};

}  // namespace txrt::test
