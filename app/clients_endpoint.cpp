#include "app/clients_endpoint.hpp"

#include <chrono>
#include <ctime>

#include <boost/asio/post.hpp>

#include "app/client.hpp"
#include "app/employee_index.hpp"
#include "app/publish_endpoint.hpp"
#include "app/replies.hpp"
#include "auth/validator.hpp"
#include "protocol/telecomx/subscription.hpp"
#include "rooms/room_index.hpp"
#include "server/server_metrics.hpp"

namespace txrt::telecomx {

namespace net = boost::asio;

namespace {

std::string iso8601(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  ::gmtime_r(&secs, &utc);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return out;
}

// The subscriptions of `c` as a JSON array of their echoes.
std::string subscriptions_json(const client& c, const rooms::room_index<client>& index) {
  std::string out = "[";
  for (const auto& s : index.subscriptions_of(c)) {
    if (out.size() > 1) out += ',';
    out += telecomx::to_json(s);
  }
  out += ']';
  return out;
}

// One loop's clients as JSON objects separated by commas. Runs on that loop.
std::string describe(const employee_index& employees, const rooms::room_index<client>& index) {
  std::string out;
  for (const client* c : employees.all()) {
    if (!c->who) continue;
    if (!out.empty()) out += ',';
    out += std::move(
               json_object()
                   .string("id", c->socket_id)
                   .string("employee", c->who->employee)
                   .string("customer", c->who->customer)
                   .string("accessLevel", telecomx::to_string(c->who->level))
                   .string("client", c->reported.client_name())
                   .string("instanceId", c->reported.instance_id())
                   .string("ip", c->reported.ip())
                   .string("remoteAddress", c->remote_address)
                   .string("connected", iso8601(c->connected_at))
                   .string("transport", c->socket ? c->socket->transport() : c->transport())
                   .raw("subscriptions", subscriptions_json(*c, index)))
               .take();
  }
  return out;
}

// The gathering of one request; touched only on the requesting connection's executor.
struct gather {
  std::size_t waiting = 0;
  std::string body = "[";
  http::request req;
  http::responder respond;
};

void collect(const clients_endpoint_deps& deps, const http::request& req,
             net::any_io_executor caller, http::responder respond) {
  auto g = std::make_shared<gather>();
  g->waiting = deps.loops->size();
  g->req = req;
  g->respond = std::move(respond);
  deps.loops->post_to_each(
      [g, caller, employees = deps.employees, indexes = deps.indexes](std::size_t i) {
        std::string part = describe(*employees[i], *indexes[i]);
        net::post(caller, [g, part = std::move(part)] {
          if (!part.empty()) {
            if (g->body.size() > 1) g->body += ',';
            g->body += part;
          }
          if (--g->waiting > 0) return;
          g->body += ']';
          g->respond(http::make_response(g->req, 200, std::move(g->body), "application/json"));
        });
      });
}

http::response unauthorized(const http::request& req, std::string_view why) {
  return http::make_response(req, 401, failure_json("unauthorized", why, true),
                             "application/json");
}

}  // namespace

http::async_handler make_clients_handler(clients_endpoint_deps deps) {
  auto shared = std::make_shared<const clients_endpoint_deps>(std::move(deps));
  return [shared](const http::request& req, std::string_view client_address,
                  net::any_io_executor caller, http::responder respond) {
    const auto& d = *shared;
    if (d.secret.empty()) return respond(http::make_response(req, 404, "Not Found"));
    if (req.method() != http::beast_http::verb::get)
      return respond(http::make_response(req, 405, "Method Not Allowed"));
    std::string_view auth = req[http::beast_http::field::authorization];
    constexpr std::string_view bearer = "Bearer ";
    constexpr std::string_view token = "Token ";
    if (auth.starts_with(bearer)) {
      if (!secret_matches(auth.substr(bearer.size()), d.secret))
        return respond(unauthorized(req, "missing or wrong bearer secret"));
      return collect(d, req, caller, std::move(respond));
    }
    if (!auth.starts_with(token) || !d.validator)
      return respond(unauthorized(req, "Authorization: Bearer <secret> or Token <ADMIN token>"));
    if (d.auth_per_address && !d.auth_per_address->try_take(client_address, limits::clock::now())) {
      metrics::count_limited(metrics::limit::auth_per_ip);
      return respond(http::make_response(
          req, 429,
          failure_json("rate_limited", "too many authenticate attempts from this address", true),
          "application/json"));
    }
    // Validated with the caller's address, as authenticate is: a token bound to an address is
    // good only from there.
    auth::auth_request check{std::string(auth.substr(token.size())), std::string(client_address)};
    // The validator completes on `caller`, so the request stays on the connection's loop.
    d.validator->validate(check, caller,
                          [shared, req, caller, respond](auth::auth_result r) mutable {
                            if (!r.who || r.who->level != telecomx::access_level::admin)
                              return respond(unauthorized(req, "an ADMIN token is required"));
                            collect(*shared, req, caller, std::move(respond));
                          });
  };
}

}  // namespace txrt::telecomx
