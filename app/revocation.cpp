#include "app/revocation.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "app/client.hpp"
#include "app/employee_index.hpp"
#include "app/replies.hpp"
#include "auth/token_digest.hpp"
#include "protocol/telecomx/control_message.hpp"

namespace txrt::telecomx {

namespace {
// Remembered revocations at most (a flood of control messages must not grow memory unbounded;
// past it the oldest are forgotten first).
constexpr std::size_t max_remembered = 100000;
}  // namespace

revocation::revocation(server::loop_pool& loops, std::vector<employee_index*> employees,
                       auth::cached_validator* cache, std::chrono::steady_clock::duration remember)
    : loops_(loops), employees_(std::move(employees)), cache_(cache), horizon_(remember) {}

void revocation::forget_old() {
  const auto now = std::chrono::steady_clock::now();
  while (!recent_.empty() &&
         (recent_.size() > max_remembered || now - recent_.front().first > horizon_)) {
    auto it = recent_count_.find(recent_.front().second);
    if (it != recent_count_.end() && --it->second == 0) recent_count_.erase(it);
    recent_.pop_front();
  }
}

void revocation::remember(std::string key) {
  if (horizon_.count() <= 0) return;
  ++recent_count_[key];
  recent_.emplace_back(std::chrono::steady_clock::now(), std::move(key));
  forget_old();
}

bool revocation::revoked_recently(std::string_view employee, std::string_view token_digest) {
  forget_old();
  return recent_count_.contains("e:" + std::string(employee)) ||
         recent_count_.contains("t:" + std::string(token_digest));
}

void revocation::on_control_message(std::string_view payload) {
  const auto message = telecomx::parse_control_message(payload);
  switch (message.status) {
    case telecomx::control_status::not_revoke:
      spdlog::warn("control: ignored a message that is not {{\"revoke\":{{...}}}}");
      return;
    case telecomx::control_status::names_nothing:
      spdlog::warn("control: revoke names neither an employee nor a token");
      return;
    case telecomx::control_status::revoke:
      break;
  }
  const bool by_employee = message.employee.has_value();
  const bool by_token = message.token.has_value();
  const std::string employee = message.employee.value_or(std::string());
  const auto raw_digest = by_token ? auth::token_sha1_of(*message.token) : auth::token_sha1{};
  const std::string digest = by_token ? auth::to_hex(raw_digest) : std::string();
  if (cache_) {
    if (by_employee) cache_->forget_employee(employee);
    if (by_token) cache_->forget_token(*message.token);
  }
  remember(by_employee ? "e:" + employee : "t:" + digest);
  spdlog::info("control: revoke {}",
               by_employee ? "employee " + employee : "token " + digest.substr(0, 12));
  loops_.post_to_each([this, by_employee, employee, raw_digest](std::size_t i) {
    auto clients = by_employee ? employees_[i]->clients_of(employee) : employees_[i]->all();
    for (client* c : clients) {
      if (!c->socket || (!by_employee && c->token_digest != raw_digest)) continue;
      auto socket = c->socket->shared_from_this();
      socket->emit("unauthorized", failure_json("revoked", "the session was revoked", false));
      socket->disconnect();
    }
  });
}

}  // namespace txrt::telecomx
