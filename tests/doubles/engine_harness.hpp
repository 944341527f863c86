#pragma once
// A network-free Engine.IO session for unit tests: a real engine::session on a plain
// io_context that the test runs itself, in bounded steps (poll(), run_until()), opened and
// driven through the session's long-polling entry points with every answer captured. No
// socket, no thread, no sleep.
//
// Reusable for application tests: open it with sio::make_connection_factory(spaces) (or any
// handler factory) and exchange payloads as a polling client would:
//
//   txrt::testing::engine_harness h;                  // v4; heartbeat far away unless asked
//   h.open(txrt::sio::make_connection_factory(spaces));
//   h.get_packets();                                  // {"0{\"sid\":...}"}: the open packet
//   h.post("40");                                     // Socket.IO CONNECT to "/"
//   h.get_packets();                                  // {"40{\"sid\":...}"}
//
// Declare what the handlers refer to (the namespaces, an engine_record) before the harness: a
// session still open when the harness goes is closed (reason shutdown), as the server's
// shutdown would, and its handler is told.
//
// Packets are compared in their text form: the type digit and the data ("4hello", "2"), and a
// binary message as "b" + base64 of its bytes (the v4 polling form), whatever the version.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "server/engine/polling.hpp"
#include "server/engine/session.hpp"
#include "server/engine/session_registry.hpp"
#include "server/engine/types.hpp"

namespace txrt::testing {

// Options whose heartbeat never fires within a bounded test run; tests that want it shorten it.
engine::engine_options quiet_options();

// A GET the session may hold: `response` is filled when the session answers it.
struct held_get {
  std::uint64_t id = 0;
  std::shared_ptr<std::optional<engine::polling_response>> response;
  bool answered() const noexcept { return response->has_value(); }
  const std::string& body() const { return response->value().body; }
};

class engine_harness {
 public:
  explicit engine_harness(eio::version version = eio::version::v4,
                          engine::engine_options options = quiet_options(), bool b64 = false);
  ~engine_harness();

  // Creates, registers and starts a session (sid "test-sid") with the factory's handler.
  engine::session& open(const engine::handler_factory& factory);

  // Sends a GET; the session answers it now or holds it (see held_get::answered()).
  held_get begin_get();
  // A GET that must be answered at once (after the ready handlers ran); throws if it is held.
  engine::polling_response get();
  // get(), and the packets of its body in text form.
  std::vector<std::string> get_packets();
  // A POST (answered at once by the session); then the ready handlers run.
  engine::polling_response post(std::string body, bool binary_body = false);
  // The GET `get` went away without an answer (its HTTP connection closed).
  void abort_get(const held_get& get);

  // Runs the handlers that are ready now; returns how many ran.
  std::size_t poll();
  // Runs the loop until `done()` or until `limit` has passed; returns done().
  template <class Done>
  bool run_until(Done done, std::chrono::milliseconds limit = std::chrono::seconds(2)) {
    loop.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) loop.run_one_until(deadline);
    return done();
  }

  // The packets of a polling body, in text form ("4hello", "b" + base64 for binary).
  std::vector<std::string> packets(std::string_view body, bool binary_body = false) const;

  boost::asio::io_context loop;
  engine::engine_options options;
  engine::session_registry registry{loop};
  std::shared_ptr<engine::session> session;

 private:
  eio::version version_;
  bool b64_;
  std::uint64_t next_get_id_ = 1;
};

// What a recording_handler saw. Outlives the handler (the session destroys its handler when
// it closes), so the test keeps it.
struct engine_record {
  bool opened = false;
  std::vector<std::string> messages;  // text messages, in order
  std::vector<std::string> binaries;  // binary messages, in order
  std::optional<engine::close_reason> closed;
  std::size_t close_calls = 0;
};

// A factory of session handlers that record into `record`; with `echo`, each message is also
// sent back as it came.
engine::handler_factory recording_factory(std::shared_ptr<engine_record> record, bool echo = false);

}  // namespace txrt::testing
