#include "app/control_endpoint.hpp"

#include <array>
#include <cstdint>
#include <string_view>

#include "app/publish_endpoint.hpp"
#include "bridge/channels.hpp"
#include "metrics/registry.hpp"
#include "protocol/telecomx/control_message.hpp"

namespace txrt::telecomx {

namespace {

// Declared here rather than in app_metrics.* so that this endpoint stays one file pair.
constexpr std::array<std::string_view, 5> control_results{"published", "unauthorized", "invalid",
                                                          "too_large", "unavailable"};
enum class control_result : std::uint8_t {
  published,
  unauthorized,
  invalid,
  too_large,
  unavailable
};

metrics::family<metrics::counter> control_requests{"txrt_control_requests_total",
                                                   "POST /control requests, by result.",
                                                   {"result", control_results}};

http::response counted(control_result result, http::response response) {
  control_requests.at(static_cast<std::size_t>(result)).inc();
  return response;
}

}  // namespace

http::handler make_control_handler(std::string secret, std::string prefix, bridge::bus& bus) {
  return [secret = std::move(secret), channel = bridge::control_channel(prefix),
          &bus](const http::request& req) -> http::response {
    if (auto refused = refuse_publisher(req, secret)) {
      if (refused->result_int() != 401) return std::move(*refused);  // disabled, or not POST
      return counted(control_result::unauthorized, std::move(*refused));
    }
    const std::string& body = req.body();
    if (body.size() > max_control_body)
      return counted(control_result::too_large,
                     json_answer(req, 413, "too_large", "a control message is at most 64 KiB"));
    switch (parse_control_message(body).status) {
      case control_status::revoke:
        break;
      case control_status::not_revoke:
        return counted(control_result::invalid,
                       json_answer(req, 400, "invalid",
                                   "the body must be {\"revoke\":{\"employee\":…}} or "
                                   "{\"revoke\":{\"token\":…}}"));
      case control_status::names_nothing:
        return counted(control_result::invalid,
                       json_answer(req, 400, "invalid",
                                   "revoke names neither a string employee nor a string token"));
    }
    if (!bus.ready())
      return counted(control_result::unavailable,
                     json_answer(req, 503, "unavailable", "the bus is not connected"));
    bus.publish(channel, body);
    return counted(control_result::published, json_answer(req, 202, "", "published on " + channel));
  };
}

}  // namespace txrt::telecomx
