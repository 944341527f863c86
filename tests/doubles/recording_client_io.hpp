#pragma once
// A client_io that records what the application tells each client, in order: the test double
// of the socket for the authenticator and subscriptions. disconnect() only records (and marks
// the client as the namespace's on_disconnect would be asked to): the test decides whether to
// play the namespace's part.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/client.hpp"
#include "app/client_io.hpp"

namespace txrt::test {

struct told {
  const telecomx::client* to;
  std::string what;  // "emit", "ack" or "disconnect"
  std::string name;  // the event name (emit)
  std::string args;  // the JSON (emit, ack)
  std::optional<std::uint64_t> ack_id;
};

class recording_client_io final : public telecomx::client_io {
 public:
  void emit(telecomx::client& c, std::string_view name, std::string_view args) override {
    log.push_back({&c, "emit", std::string(name), std::string(args), std::nullopt});
  }
  void ack(telecomx::client& c, std::uint64_t id, std::string_view args) override {
    log.push_back({&c, "ack", {}, std::string(args), id});
  }
  void disconnect(telecomx::client& c) override {
    log.push_back({&c, "disconnect", {}, {}, std::nullopt});
  }

  // The args of the last `name` emitted to `c` ("" when none).
  std::string last_emit(const telecomx::client& c, std::string_view name) const {
    for (auto it = log.rbegin(); it != log.rend(); ++it)
      if (it->to == &c && it->what == "emit" && it->name == name) return it->args;
    return {};
  }
  // The last ack to `c` ("" when none).
  std::string last_ack(const telecomx::client& c) const {
    for (auto it = log.rbegin(); it != log.rend(); ++it)
      if (it->to == &c && it->what == "ack") return it->args;
    return {};
  }
  std::size_t count(const telecomx::client& c, std::string_view what,
                    std::string_view name = {}) const {
    std::size_t n = 0;
    for (const auto& t : log)
      if (t.to == &c && t.what == what && (name.empty() || t.name == name)) ++n;
    return n;
  }
  bool disconnected(const telecomx::client& c) const { return count(c, "disconnect") > 0; }

  std::vector<told> log;
};

}  // namespace txrt::test
