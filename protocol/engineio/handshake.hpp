#pragma once
// The Engine.IO open packet ("0{...}") and the HTTP query of an Engine.IO request.
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/engineio/packet.hpp"

namespace txrt::eio {

struct open_params {
  std::string_view sid;
  bool upgrade_to_websocket = false;  // upgrades: ["websocket"] or []
  std::uint32_t ping_interval_ms = 25000;
  std::uint32_t ping_timeout_ms = 20000;
  std::uint64_t max_payload = 1000000;  // written only for v4
};

// v4: 0{"sid":"..","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
// v3: the same without maxPayload. Exactly these keys, in this order.
std::string encode_open(version v, const open_params& p);

enum class transport_kind : std::uint8_t { polling, websocket };

// The query of a request to an Engine.IO endpoint, e.g. "/socket.io/?EIO=4&transport=polling&t=x".
struct engine_query {
  bool has_eio = false;
  int eio = 0;                  // 3 or 4 when valid; 0 when absent or not a supported number
  std::string eio_raw;          // as sent (for error messages)
  bool has_transport = false;
  bool transport_valid = false;  // "polling" or "websocket"
  transport_kind transport = transport_kind::polling;
  std::string sid;               // empty when absent
  bool b64 = false;              // b64=1 or b64=true (v3 clients without binary support)
  bool jsonp = false;            // j=<n> present (JSONP polling, not supported)
};

// Parses the request target (path + query; percent-decoding applied to values). Unknown
// parameters are ignored. Error: bad_query when the target is not a valid origin-form URI.
result<engine_query> parse_engine_query(std::string_view target);

// The path of a request target without its query ("/socket.io/?a=b" -> "/socket.io/").
std::string_view target_path(std::string_view target) noexcept;

}  // namespace txrt::eio
