#pragma once
// The authenticator and subscriptions of one loop, assembled without a network for unit tests:
// a fake_validator, the real file_directory over a tokens file given as text, the real room
// index and employee index, and a recording_client_io in place of the sockets. Clients live on
// `io`; settle() runs whatever is ready (validator and directory answers) without waiting for
// the auth deadline.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "app/authenticator.hpp"
#include "app/client.hpp"
#include "app/employee_index.hpp"
#include "app/subscriptions.hpp"
#include "auth/file_directory.hpp"
#include "auth/file_store.hpp"
#include "rooms/room_index.hpp"
#include "tests/doubles/fake_validator.hpp"
#include "tests/doubles/recording_client_io.hpp"

namespace txrt::test {

// telecomx <- reseller-north <- customer-north-1; telecomx <- reseller-south <- customer-south
inline constexpr std::string_view harness_customers = R"({
  "customers": {
    "telecomx": {"parent": null},
    "reseller-north": {"parent": "telecomx"},
    "customer-north-1": {"parent": "reseller-north"},
    "reseller-south": {"parent": "telecomx"},
    "customer-south": {"parent": "reseller-south"}
  },
  "tokens": {}
})";

inline telecomx::identity who(std::string employee, std::string customer,
                              telecomx::access_level level) {
  telecomx::identity id;
  id.employee = std::move(employee);
  id.customer = std::move(customer);
  id.level = level;
  return id;
}

struct app_harness {
  // `bounds`: max_per_socket and rate_per_socket (directory and indexes are the harness's).
  explicit app_harness(telecomx::authenticator_deps deps = {},
                       telecomx::subscriptions_deps bounds = {})
      : log_level(spdlog::get_level()) {
    spdlog::set_level(spdlog::level::warn);  // refusals log at info: not in the test output
    auto loaded = auth::file_store::parse(harness_customers);
    INFO(loaded.error);
    REQUIRE(loaded);
    directory = std::make_shared<auth::file_directory>(loaded.store);
    bounds.directory = directory;
    bounds.indexes = {&index};
    subs = std::make_unique<telecomx::subscriptions>(std::move(bounds), told);
    deps.validator = validator;
    deps.employees = {&employees};
    auth = std::make_unique<telecomx::authenticator>(std::move(deps), *subs, told);
  }

  ~app_harness() {
    for (auto& c : clients) leave(*c);
    settle();
    spdlog::set_level(log_level);
  }

  // A client that just connected (its auth deadline armed).
  telecomx::client& connect(std::string address = "198.51.100.7") {
    auto c = std::make_shared<telecomx::client>(io.get_executor(), 0,
                                                "sid" + std::to_string(clients.size()), "websocket",
                                                std::move(address));
    clients.push_back(c);
    auth->start_deadline(*c);
    return *c;
  }

  // What the namespace does when the socket goes.
  void leave(telecomx::client& c) {
    if (!c.connected) return;
    c.connected = false;
    ++c.generation;
    auth->forget(c);
  }

  // Runs every handler that is ready (not the auth deadline, unless it has passed).
  void settle() {
    io.restart();
    while (io.poll() > 0) {
    }
  }

  void authenticate(telecomx::client& c, std::string_view args,
                    std::optional<std::uint64_t> ack_id = std::nullopt) {
    auth->authenticate(c, args, ack_id);
    settle();
  }
  void subscribe(telecomx::client& c, std::string_view payload,
                 std::optional<std::uint64_t> ack_id = std::nullopt) {
    subs->subscribe(c, payload, ack_id);
    settle();
  }
  void unsubscribe(telecomx::client& c, std::string_view payload,
                   std::optional<std::uint64_t> ack_id = std::nullopt) {
    subs->unsubscribe(c, payload, ack_id);
    settle();
  }

  // A connected client authenticated as `id` (with token "token-<employee>").
  telecomx::client& as(const telecomx::identity& id) {
    const std::string token = "token-" + id.employee;
    validator->add(token, id);
    auto& c = connect();
    authenticate(c, R"({"token":")" + token + R"("})");
    REQUIRE(c.who);
    return c;
  }

  spdlog::level::level_enum log_level;
  boost::asio::io_context io;
  std::shared_ptr<fake_validator> validator = std::make_shared<fake_validator>();
  std::shared_ptr<auth::file_directory> directory;
  rooms::room_index<telecomx::client> index;
  telecomx::employee_index employees;
  recording_client_io told;
  std::unique_ptr<telecomx::subscriptions> subs;
  std::unique_ptr<telecomx::authenticator> auth;
  std::vector<std::shared_ptr<telecomx::client>> clients;
};

}  // namespace txrt::test
