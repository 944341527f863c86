#include "tests/doubles/engine_harness.hpp"

#include <stdexcept>

#include "protocol/base64.hpp"
#include "protocol/engineio/payload.hpp"

namespace txrt::testing {

engine::engine_options quiet_options() {
  engine::engine_options o;
  o.ping_interval = std::chrono::minutes(10);
  o.ping_timeout = std::chrono::minutes(10);
  return o;
}

engine_harness::engine_harness(eio::version version, engine::engine_options opts, bool b64)
    : options(std::move(opts)), version_(version), b64_(b64) {}

engine_harness::~engine_harness() {
  // Let the session go before the loop: its timers' handlers hold it until they are cancelled.
  if (session && session->is_open()) session->close(engine::close_reason::shutdown);
  session.reset();
  poll();
}

engine::session& engine_harness::open(const engine::handler_factory& factory) {
  session = std::make_shared<engine::session>(loop, registry, options, "test-sid", version_, b64_);
  registry.add(session->sid(), session);
  session->start(factory(*session), nullptr);
  poll();
  return *session;
}

held_get engine_harness::begin_get() {
  held_get g{next_get_id_++, std::make_shared<std::optional<engine::polling_response>>()};
  session->on_polling_get(
      g.id, [slot = g.response](engine::polling_response r) { *slot = std::move(r); });
  poll();
  return g;
}

engine::polling_response engine_harness::get() {
  auto g = begin_get();
  if (!g.answered()) throw std::logic_error("the session held the GET: nothing to send");
  return std::move(**g.response);
}

std::vector<std::string> engine_harness::get_packets() {
  auto r = get();
  return packets(r.body, r.content_type == "application/octet-stream");
}

engine::polling_response engine_harness::post(std::string body, bool binary_body) {
  auto slot = std::make_shared<std::optional<engine::polling_response>>();
  session->on_polling_post(std::move(body), binary_body,
                           [slot](engine::polling_response r) { *slot = std::move(r); });
  poll();
  if (!slot->has_value()) throw std::logic_error("the session did not answer the POST");
  return std::move(**slot);
}

void engine_harness::abort_get(const held_get& get) {
  session->on_polling_get_aborted(get.id);
  poll();
}

std::size_t engine_harness::poll() {
  loop.restart();
  return loop.poll();
}

std::vector<std::string> engine_harness::packets(std::string_view body, bool binary_body) const {
  auto decoded = version_ == eio::version::v4 ? eio::decode_payload_v4(body)
                                              : eio::decode_payload_v3(body, binary_body);
  if (!decoded) throw std::logic_error("undecodable polling body: " + std::string(body));
  std::vector<std::string> out;
  for (const auto& p : *decoded) {
    std::string text;
    if (p.binary) {
      text = "b";
      protocol::base64_encode(p.data, text);
    } else {
      eio::encode_text(p.type, p.data, text);
    }
    out.push_back(std::move(text));
  }
  return out;
}

namespace {

class recording_handler : public engine::session_handler {
 public:
  recording_handler(engine::session& s, std::shared_ptr<engine_record> record, bool echo)
      : session_(s), record_(std::move(record)), echo_(echo) {}

  void on_open() override { record_->opened = true; }
  void on_message(std::string_view text) override {
    record_->messages.emplace_back(text);
    if (echo_) session_.send_text_message(text);
  }
  void on_binary(std::string_view bytes) override {
    record_->binaries.emplace_back(bytes);
    if (echo_) session_.send_binary_message(bytes);
  }
  void on_close(engine::close_reason reason) override {
    record_->closed = reason;
    ++record_->close_calls;
  }

 private:
  engine::session& session_;
  std::shared_ptr<engine_record> record_;
  bool echo_;
};

}  // namespace

engine::handler_factory recording_factory(std::shared_ptr<engine_record> record, bool echo) {
  return [record, echo](engine::session& s) -> std::unique_ptr<engine::session_handler> {
    return std::make_unique<recording_handler>(s, record, echo);
  };
}

}  // namespace txrt::testing
