#pragma once
// How the authenticator and subscriptions speak to a client: the three things they do to its
// socket. The namespace implements it over sio::socket; unit tests implement it as a recorder,
// so authenticate and subscribe are tested without a network.
#include <cstdint>
#include <string_view>

namespace txrt::telecomx {

struct client;

class client_io {
 public:
  virtual ~client_io() = default;
  // Emits event `name` with `args` (one JSON value). Ignored once the client is disconnected.
  virtual void emit(client& c, std::string_view name, std::string_view args) = 0;
  // Answers the client's acknowledgement request `id` with `args` (one JSON value).
  virtual void ack(client& c, std::uint64_t id, std::string_view args) = 0;
  // Leaves the namespace from the server side. The namespace's on_disconnect follows (at once,
  // or later): that is where the client's state is dropped, not here.
  virtual void disconnect(client& c) = 0;
};

}  // namespace txrt::telecomx
