#pragma once
// What the HTTP layer serves: Engine.IO endpoints by path, the client bundle, and plain
// handlers by exact path (/health, /ready, ...). Built once at start-up, read-only afterwards,
// so every loop may read it without a lock.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "protocol/forwarded.hpp"
#include "server/http/client_bundle.hpp"
#include "server/http/cors.hpp"
#include "server/http/message.hpp"

namespace txrt::engine {
class engine_server;
}

namespace txrt::http {

using handler = std::function<response(const request&)>;

// A handler that answers later (e.g. after asking every loop): it must call `respond` exactly
// once, on `caller` (the connection's executor); the connection reads nothing until then.
// `client_address` is the client's address (http/client_address.hpp), empty when unknown.
using responder = std::function<void(response)>;
using async_handler =
    std::function<void(const request&, std::string_view client_address,
                       boost::asio::any_io_executor caller, responder respond)>;

struct router {
  struct engine_endpoint {
    std::string path;  // "/socket.io/"
    engine::engine_server* engine = nullptr;
  };

  std::vector<engine_endpoint> engines;
  std::unordered_map<std::string, handler> handlers;  // exact path -> handler
  std::unordered_map<std::string, async_handler> async_handlers;  // exact path -> handler
  std::shared_ptr<const client_bundle> bundle;
  std::shared_ptr<const cors_policy> cors;
  std::uint64_t max_body = 1000000;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10000};
  protocol::address_ranges trusted_proxies;  // whose X-Forwarded-For async handlers believe

  // The endpoint whose path is `path` (with or without its trailing slash), or null.
  const engine_endpoint* find_engine(std::string_view path) const;
};

}  // namespace txrt::http
