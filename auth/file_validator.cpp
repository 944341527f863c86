#include "auth/file_validator.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/post.hpp>

namespace txrt::auth {

namespace {

// A dual-stack listener reports IPv4 peers as "::ffff:a.b.c.d"; a token bound to "a.b.c.d"
// must still match them.
std::string_view canonical_ip(std::string_view ip) noexcept {
  constexpr std::string_view mapped = "::ffff:";
  if (ip.size() > mapped.size() && ip.find('.') != std::string_view::npos) {
    bool prefix = true;
    for (std::size_t i = 0; i < mapped.size(); ++i) {
      const char c = ip[i] >= 'A' && ip[i] <= 'Z' ? static_cast<char>(ip[i] - 'A' + 'a') : ip[i];
      if (c != mapped[i]) prefix = false;
    }
    if (prefix) return ip.substr(mapped.size());
  }
  return ip;
}

auth_result failure(auth_error e, std::string message) {
  return auth_result{nullptr, e, std::move(message)};
}

}  // namespace

file_validator::file_validator(std::shared_ptr<const file_store> store)
    : store_(std::move(store)) {}

void file_validator::replace(std::shared_ptr<const file_store> store) {
  std::lock_guard lock(mutex_);
  store_ = std::move(store);
}

std::shared_ptr<const file_store> file_validator::current() const {
  std::lock_guard lock(mutex_);
  return store_;
}

auth_result file_validator::check(const file_store& store, const auth_request& request) {
  if (request.token.empty()) return failure(auth_error::credentials_invalid, "empty token");
  const token_entry* entry = store.find_token(request.token);
  if (entry == nullptr || !entry->success) {
    return failure(auth_error::invalid_token, "unknown or invalid token");
  }
  if (!entry->ip.empty() && canonical_ip(entry->ip) != canonical_ip(request.ip)) {
    return failure(auth_error::invalid_token, "token is bound to another address");
  }
  if (entry->expires && *entry->expires <= std::chrono::system_clock::now()) {
    return failure(auth_error::expired, "token expired");
  }
  if (entry->who.level == access_level::no_login) {
    return failure(auth_error::credentials_invalid, "access level NO_LOGIN may not log in");
  }
  auto who = std::make_shared<identity>(entry->who);
  who->expires = entry->expires;
  return auth_result{std::move(who), auth_error::none, {}};
}

void file_validator::validate(const auth_request& request, boost::asio::any_io_executor caller,
                              auth_callback done) {
  const auto store = current();
  auth_result result =
      store ? check(*store, request) : failure(auth_error::unavailable, "no tokens file is loaded");
  boost::asio::post(caller, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace txrt::auth
