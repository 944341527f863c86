#pragma once
// The contract between an HTTP connection and an Engine.IO session for long-polling requests.
// The connection and the session may live on different loops: the session answers through a
// responder, which the connection builds so that it posts the answer back to its own loop.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "server/server_metrics.hpp"

namespace txrt::engine {

struct polling_response {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "text/plain; charset=UTF-8";
  bool close_connection = false;
};

using polling_responder = std::function<void(polling_response)>;

inline polling_response error_response(unsigned status, int code, std::string_view message) {
  polling_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = "{\"code\":" + std::to_string(code) + ",\"message\":\"" + std::string(message) + "\"}";
  return r;
}

// The Engine.IO error answers (engine.io's codes and messages).
inline polling_response unknown_transport() { return error_response(400, 0, "Transport unknown"); }
// Counted: a client guessing or replaying sids shows in txrt_http_refused_total.
inline polling_response unknown_sid() {
  metrics::count_http_refused(metrics::http_refusal::unknown_sid);
  return error_response(400, 1, "Session ID unknown");
}
inline polling_response bad_handshake_method() {
  return error_response(400, 2, "Bad handshake method");
}
inline polling_response bad_request() { return error_response(400, 3, "Bad request"); }
inline polling_response forbidden() { return error_response(403, 4, "Forbidden"); }
inline polling_response unsupported_version() {
  return error_response(400, 5, "Unsupported protocol version");
}
inline polling_response payload_too_large() {
  return error_response(413, 3, "Payload too large");
}

}  // namespace txrt::engine
