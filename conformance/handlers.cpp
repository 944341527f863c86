#include "conformance/handlers.hpp"

#include <string>

#include "protocol/socketio/packet.hpp"
#include "server/engine/session.hpp"
#include "server/socketio/socket.hpp"

namespace txrt::conformance {

namespace {

class echo_handler : public engine::session_handler {
 public:
  explicit echo_handler(engine::session& s) : session_(s) {}
  void on_open() override {}
  void on_message(std::string_view text) override { session_.send_text_message(text); }
  void on_binary(std::string_view bytes) override { session_.send_binary_message(bytes); }
  void on_close(engine::close_reason) override {}

 private:
  engine::session& session_;
};

// Every namespace of the suites greets a new socket with its handshake auth.
class greeting_namespace : public sio::namespace_handler {
 public:
  void on_connect(const std::shared_ptr<sio::socket>& s, std::string_view auth) override {
    s->emit("auth", auth);
  }
  void on_event(const std::shared_ptr<sio::socket>&, const sio::event&) override {}
};

class main_namespace : public greeting_namespace {
 public:
  void on_event(const std::shared_ptr<sio::socket>& s, const sio::event& e) override {
    if (e.name == "message") {
      s->emit("message-back", e.args, *e.attachments);
    } else if (e.name == "message-with-ack" && e.ack_id) {
      s->ack(*e.ack_id, e.args, *e.attachments);
    }
  }
};

class test_namespace : public sio::namespace_handler {
 public:
  void on_connect(const std::shared_ptr<sio::socket>&, std::string_view) override {}
  void on_event(const std::shared_ptr<sio::socket>& s, const sio::event& e) override {
    if (e.name == "echo") {
      s->emit("echo", e.args, *e.attachments);
    } else if (e.name == "echo-ack") {
      if (e.ack_id) s->ack(*e.ack_id, e.args, *e.attachments);
    } else if (e.name == "server-ack") {
      // ["server-ack", "<event>", ...args]: emit <event>(...args) asking for an ack, and report
      // the client's answer as "server-ack-result".
      std::string array = "[" + std::string(e.args) + "]";
      auto inner = sio::split_event(array);
      if (!inner) return;
      std::weak_ptr<sio::socket> weak = s;
      s->emit_with_ack(inner->name, inner->args, *e.attachments,
                       [weak](std::string_view args, const std::vector<std::string>& bin) {
                         if (auto socket = weak.lock()) socket->emit("server-ack-result", args, bin);
                       });
    } else if (e.name == "disconnect-me") {
      s->disconnect();
    }
  }
};

}  // namespace

engine::handler_factory make_echo_factory() {
  return [](engine::session& s) -> std::unique_ptr<engine::session_handler> {
    return std::make_unique<echo_handler>(s);
  };
}

std::shared_ptr<sio::namespace_handler> make_main_namespace() {
  return std::make_shared<main_namespace>();
}
std::shared_ptr<sio::namespace_handler> make_custom_namespace() {
  return std::make_shared<greeting_namespace>();
}
std::shared_ptr<sio::namespace_handler> make_test_namespace() {
  return std::make_shared<test_namespace>();
}

}  // namespace txrt::conformance
