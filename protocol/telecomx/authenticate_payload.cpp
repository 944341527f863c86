#include "protocol/telecomx/authenticate_payload.hpp"

#include "protocol/log_text.hpp"
#include "protocol/telecomx/event_args.hpp"

namespace txrt::telecomx {

std::optional<authenticate_payload> parse_authenticate(std::string_view event_args) {
  simdjson::dom::object obj;
  if (parse_first_argument(event_args).get(obj) != simdjson::SUCCESS) return std::nullopt;
  std::string_view token;
  if (obj["token"].get(token) != simdjson::SUCCESS || token.empty()) return std::nullopt;
  authenticate_payload p;
  p.token = std::string(token);
  const auto optional_text = [&obj](std::string_view key, std::string& out) {
    std::string_view value;
    if (obj[key].get(value) == simdjson::SUCCESS)
      out = std::string(protocol::utf8_prefix(value, max_info_bytes));
  };
  optional_text("client", p.client_name);
  optional_text("instanceId", p.instance_id);
  optional_text("ip", p.ip);
  return p;
}

}  // namespace txrt::telecomx
