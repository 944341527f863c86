#include "protocol/result.hpp"

namespace txrt::protocol {

std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok:
      return "ok";
    case errc::empty_packet:
      return "empty packet";
    case errc::unknown_packet_type:
      return "unknown packet type";
    case errc::bad_base64:
      return "invalid base64";
    case errc::bad_length_prefix:
      return "invalid payload length prefix";
    case errc::payload_too_large:
      return "payload too large";
    case errc::bad_namespace:
      return "invalid namespace";
    case errc::bad_ack_id:
      return "invalid ack id";
    case errc::bad_attachment_count:
      return "invalid attachment count";
    case errc::bad_json:
      return "invalid JSON";
    case errc::bad_event_payload:
      return "invalid event payload";
    case errc::bad_connect_payload:
      return "invalid connect or disconnect payload";
    case errc::bad_placeholder:
      return "invalid binary placeholder";
    case errc::bad_query:
      return "invalid request target";
  }
  return "unknown error";
}

}  // namespace txrt::protocol
