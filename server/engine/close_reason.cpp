#include "server/engine/types.hpp"

namespace txrt::engine {

std::string_view to_string(close_reason r) noexcept {
  switch (r) {
    case close_reason::client_close: return "client close";
    case close_reason::transport_close: return "transport close";
    case close_reason::transport_error: return "transport error";
    case close_reason::ping_timeout: return "ping timeout";
    case close_reason::parse_error: return "parse error";
    case close_reason::payload_too_large: return "payload too large";
    case close_reason::polling_overlap: return "polling overlap";
    case close_reason::slow_consumer: return "slow consumer";
    case close_reason::server_close: return "server close";
    case close_reason::shutdown: return "shutdown";
  }
  return "unknown";
}

}  // namespace txrt::engine
