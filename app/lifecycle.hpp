#pragma once
// What happens around a client's life besides the protocol: one log line per connect,
// authenticate and disconnect (never a token), and the server's own REALTIME events
// (SPEC §6): CONNECTED on <prefix>event:REALTIME, AUTHENTICATED and DISCONNECTED on
// <prefix>event:REALTIME:<customer>, published on the bus so that every node's ADMIN and
// ADMIN:REALTIME subscribers see them.
#include <string>

#include "bridge/bus.hpp"
#include "app/telecomx_namespace.hpp"

namespace txrt::telecomx {

class lifecycle final : public client_observer {
 public:
  lifecycle(bridge::bus& bus, std::string prefix, std::string server_name);

  void on_connected(const client& c) override;
  void on_authenticated(const client& c) override;
  void on_disconnected(const client& c, std::string_view reason) override;

 private:
  void publish(std::string_view event, const client& c, bool with_identity);

  bridge::bus& bus_;
  std::string prefix_;
  std::string server_name_;
};

}  // namespace txrt::telecomx
