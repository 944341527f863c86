// What the Telecom X layer reads from the network besides subscriptions (payloads.cpp):
//  - the arguments of an `authenticate` / `request` / `reply` event, as the Socket.IO layer
//    hands them over: the packet "42[<name>,<args>]" decoded, split (split_event), then the
//    first argument cut out (json::first_element), parsed, and its members spanned
//    (json::object_members); then parse_authenticate and parse_client_message (request and
//    reply) on them. What parse_client_message accepts must travel: its request record must
//    read back the same (parse_request_record), and its envelopes must be accepted by the
//    delivering node's parse_envelope (SPEC §7: never ack what the other node drops);
//  - the request / reply codec's other inputs, from Redis: a bus envelope (parse_envelope) and
//    a request record (parse_request_record); and the sending socket's instanceId, which an
//    envelope carries once sender_error has let it through;
//  - an identity document from the redis / http validators (parse_identity_json);
//  - a Redis pub/sub channel name (parse_event_channel), which must round-trip through
//    event_channel_name;
//  - a published event's payload (parse_event_message), a <prefix>control message
//    (parse_control_message) and a POST /events body (parse_publish_request).
// The input is used whole for each surface.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "bridge/channels.hpp"
#include "protocol/json.hpp"
#include "protocol/socketio/packet.hpp"
#include "protocol/telecomx/authenticate_payload.hpp"
#include "protocol/telecomx/control_message.hpp"
#include "protocol/telecomx/event_message.hpp"
#include "protocol/telecomx/identity_document.hpp"
#include "protocol/telecomx/publish_request.hpp"
#include "protocol/telecomx/request_envelope.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace json = txrt::protocol::json;
namespace tx = txrt::telecomx;

namespace {

bool within(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  std::less_equal<const char*> le;
  return le(whole.data(), part.data()) &&
         le(part.data() + part.size(), whole.data() + whole.size());
}

const tx::identity sender{"emp-s", "cust-s", tx::access_level::reseller, "", {"r1"}};

bool valid_json(std::string_view text) {
  return !json::parse(text).error();
}

bool valid_target(const tx::request_target& t) {
  return !t.employee.empty() && t.employee.size() <= tx::max_request_field &&
         t.instance_id.size() <= tx::max_request_field;
}

// An accepted request or reply, written as the sending node writes it, read as the delivering
// node reads it: the same recipient, the same name, event arguments that are JSON.
void client_message(std::string_view args, tx::message_kind kind) {
  const auto m = tx::parse_client_message(args, kind);
  if (!m.error.empty()) return;
  TXRT_FUZZ_CHECK(valid_target(m.to));
  TXRT_FUZZ_CHECK(!m.request.empty() && m.request.size() <= tx::max_request_field);
  TXRT_FUZZ_CHECK(valid_json(m.data));
  const bool reply = kind == tx::message_kind::reply;
  TXRT_FUZZ_CHECK(reply != m.request_id.empty());
  TXRT_FUZZ_CHECK(!reply || !m.reply_to);
  if (m.reply_to) TXRT_FUZZ_CHECK(valid_target(*m.reply_to));
  const tx::request_target from{"emp-s", "tab-1"};
  const auto envelope =
      reply ? tx::reply_envelope_json(m, from) : tx::request_envelope_json(m, "rid", from, sender);
  const auto decoded = tx::parse_envelope(envelope);
  TXRT_FUZZ_CHECK(decoded.status == tx::envelope_status::ok);
  TXRT_FUZZ_CHECK(decoded.envelope.to == m.to);
  TXRT_FUZZ_CHECK(valid_json(decoded.envelope.event_args));
  if (reply) return;
  TXRT_FUZZ_CHECK(decoded.envelope.request == m.request);
  TXRT_FUZZ_CHECK(decoded.envelope.sender.employee == sender.employee);
  const auto record = tx::parse_request_record(tx::request_record_json(m));
  TXRT_FUZZ_CHECK(record.has_value());
  TXRT_FUZZ_CHECK(record->employee == m.to.employee && record->request == m.request);
  TXRT_FUZZ_CHECK(record->instance_id == m.to.instance_id);
  TXRT_FUZZ_CHECK(record->wants_reply == m.reply_to.has_value());
  TXRT_FUZZ_CHECK(record->reply_to == m.reply_to);
}

// The event path: "42" + input as a Socket.IO v5 event packet, then the first argument.
void event_arguments(std::string_view input) {
  std::string packet = "2";
  packet.append(input);
  auto p = txrt::sio::decode(txrt::sio::version::v5, packet);
  if (!p || p->type != txrt::sio::packet_type::event) return;
  auto ev = txrt::sio::split_event(p->data);
  if (!ev) return;
  TXRT_FUZZ_CHECK(within(ev->args, p->data));
  const auto first = json::first_element(ev->args);
  TXRT_FUZZ_CHECK(within(first, ev->args));
  if (ev->args.empty()) return;
  // split_event validated the whole array: its first argument is valid JSON on its own.
  auto doc = json::parse(first);
  TXRT_FUZZ_CHECK(!doc.error());
  const bool is_object = doc.value_unsafe().is_object();
  const std::size_t object_size =
      is_object ? doc.value_unsafe().get_object().value_unsafe().size() : 0;
  std::string_view token;
  if (is_object) (void)doc.value_unsafe()["token"].get_string().get(token);
  const auto members = json::object_members(first);
  TXRT_FUZZ_CHECK(members.size() == object_size);
  for (const auto& m : members) {
    TXRT_FUZZ_CHECK(within(m.key, first) && within(m.value, first));
    TXRT_FUZZ_CHECK(!json::parse(m.value).error());
  }
  // The payloads those arguments may be. An authenticated socket's instanceId, whatever the
  // cut left of it, travels only when sender_error lets it.
  if (const auto auth = tx::parse_authenticate(ev->args)) {
    TXRT_FUZZ_CHECK(!auth->token.empty() && auth->instance_id.size() <= tx::max_info_bytes);
    const tx::request_target from{"emp-s", auth->instance_id};
    if (tx::sender_error(from, sender).empty()) {
      tx::client_message m;
      m.to = {"emp-r", ""};
      m.request = "R";
      TXRT_FUZZ_CHECK(
          tx::parse_envelope(tx::request_envelope_json(m, "rid", from, sender)).status ==
          tx::envelope_status::ok);
    }
  }
  client_message(ev->args, tx::message_kind::request);
  client_message(ev->args, tx::message_kind::reply);
}

// From the bus: whatever a node (of any version) published on an employee channel.
void envelope(std::string_view input) {
  const auto r = tx::parse_envelope(input);
  if (r.status != tx::envelope_status::ok) return;
  TXRT_FUZZ_CHECK(valid_target(r.envelope.to));
  TXRT_FUZZ_CHECK(valid_json(r.envelope.event_args));
  auto doc = json::parse(r.envelope.event_args);
  TXRT_FUZZ_CHECK(!doc.error() && doc.value_unsafe().is_object());
  if (r.envelope.kind == tx::envelope_kind::request)
    TXRT_FUZZ_CHECK(!r.envelope.sender.employee.empty() && !r.envelope.sender.customer.empty());
}

// From the store: a request record, as this or another version wrote it.
void request_record(std::string_view input) {
  const auto r = tx::parse_request_record(input);
  if (!r) return;
  TXRT_FUZZ_CHECK(valid_json(input));
  TXRT_FUZZ_CHECK(r->wants_reply || !r->reply_to);
  if (r->reply_to) TXRT_FUZZ_CHECK(valid_target(*r->reply_to));
}

void identity(std::string_view input) {
  auto d = txrt::telecomx::parse_identity_json(input);
  using txrt::telecomx::identity_status;
  if (d.status == identity_status::ok) {
    TXRT_FUZZ_CHECK(!d.who.employee.empty() && !d.who.customer.empty());
  } else if (d.status == identity_status::malformed) {
    TXRT_FUZZ_CHECK(!d.error.empty());
  }
}

void channel(std::string_view input) {
  for (std::string_view prefix : {std::string_view("rt:"), std::string_view("")}) {
    auto c = txrt::bridge::parse_event_channel(prefix, input);
    if (!c) continue;
    TXRT_FUZZ_CHECK(within(c->customer, input));
    TXRT_FUZZ_CHECK(txrt::bridge::event_channel_name(prefix, c->type, c->customer) == input);
  }
}

// Fan-out delivers a payload only when it is a JSON object; the sub-event is its "event".
void event_message(std::string_view input) {
  const auto m = txrt::telecomx::parse_event_message(input);
  auto doc = json::parse(input);
  TXRT_FUZZ_CHECK(m.has_value() == (!doc.error() && doc.value_unsafe().is_object()));
  if (!m) return;
  std::string_view sub_event;
  if (doc.value_unsafe()["event"].get_string().get(sub_event)) sub_event = {};
  TXRT_FUZZ_CHECK(m->sub_event == sub_event);
}

void control_message(std::string_view input) {
  const auto m = txrt::telecomx::parse_control_message(input);
  using txrt::telecomx::control_status;
  TXRT_FUZZ_CHECK((m.status == control_status::revoke) == (m.employee || m.token));
}

// An accepted body's event is a span of the body that is itself one JSON object.
void publish_request(std::string_view input) {
  const auto r = txrt::telecomx::parse_publish_request(input);
  TXRT_FUZZ_CHECK(r.value.has_value() == r.error.empty());
  if (!r.value) return;
  TXRT_FUZZ_CHECK(input.find(r.value->event) != std::string_view::npos);
  auto doc = json::parse(r.value->event);
  TXRT_FUZZ_CHECK(!doc.error() && doc.value_unsafe().is_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  event_arguments(input);
  envelope(input);
  request_record(input);
  identity(input);
  channel(input);
  event_message(input);
  control_message(input);
  publish_request(input);
  return 0;
}
