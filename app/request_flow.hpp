#pragma once
// The request / reply flow of SPEC §7, with sockets left out: a sender is an identity, an
// instance id and a request budget, an answer is a callback, and a delivery is a frame handed
// to a function. request_router joins it to the sockets; the unit tests drive it alone.
//
// Sender's node, request: admit -> parse -> CommunicatorZeroTier only within the sender's
// employee (to and replyTo) -> reach of the recipient (its customer from the hash
// employee:customer, the parent chain when the policy needs it, the access check) -> the same
// for replyTo, unless it is the sender's own employee -> record request:<id> (TTL) -> PUBLISH on
// employee:<recipient> -> its receiver count says delivered or offline.
// Sender's node, reply: admit -> parse -> read the record -> only the recipient (only the
// addressed instance, if any), only the same request, only towards replyTo -> renew the record's
// TTL (not awaited: pipelined with the PUBLISH) -> PUBLISH on employee:<replyTo>.
// Whatever the delivering node would drop as malformed is refused (invalid) before the ack.
// Delivering node: a message on employee:<id> -> decode -> REPLY is written at once; REQUEST
// is checked again (the recipient is here, CommunicatorZeroTier within one employee, the
// sender's access to the recipient's customer) before it is written.
//
// Threading: on_request() / on_reply() run on the sender's loop; every later step, and
// on_employee_message(), on the bus loop. The answer callback runs on either.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "app/app_metrics.hpp"
#include "auth/directory.hpp"
#include "bridge/bus.hpp"
#include "bridge/kv_store.hpp"
#include "protocol/telecomx/identity.hpp"
#include "protocol/telecomx/request_envelope.hpp"
#include "server/engine/types.hpp"
#include "server/limits/rate_limit.hpp"

namespace txrt::telecomx {

class employee_presence;

// Who sends: valid for the duration of the on_request() / on_reply() call.
struct request_sender {
  const telecomx::identity* who = nullptr;  // nullptr: not authenticated
  std::string_view instance_id;
  limits::token_bucket& budget;  // the socket's request budget (request-rate-per-socket)
};

// How a request or reply ended, once per message.
struct request_outcome {
  std::string_view code;   // "success" or a failure code (metrics::request_results)
  std::string message;     // failures only
  std::string request_id;  // success only

  bool ok() const noexcept { return code == "success"; }
};
using answer_function = std::function<void(const request_outcome&)>;

// Writes a REQUEST / REPLY frame to the sockets of `employee` on this node (every instance when
// `instance_id` is empty).
using deliver_function = std::function<void(
    const std::string& employee, const std::string& instance_id, const engine::outgoing& frame)>;

struct request_flow_deps {
  std::string prefix;
  bridge::bus* bus = nullptr;
  bridge::kv_store* store = nullptr;
  std::shared_ptr<auth::customer_directory> directory;
  boost::asio::any_io_executor bus_executor;  // where the directory answers
  const employee_presence* presence = nullptr;
  deliver_function deliver;
  // How long a request record lives after the request, and after each accepted reply.
  std::chrono::milliseconds request_ttl{300'000};
  limits::rate_limit per_socket;  // request and reply messages share it
};

class request_flow {
 public:
  explicit request_flow(request_flow_deps deps);

  // `args`: the event's arguments (valid JSON text). `answer` gets the outcome exactly once.
  void on_request(const request_sender& sender, std::string_view args, answer_function answer);
  void on_reply(const request_sender& sender, std::string_view args, answer_function answer);

  // A message on <prefix>employee:<id> (bus loop).
  void on_employee_message(std::string_view channel, std::string_view payload);
  bool is_employee_channel(std::string_view channel) const noexcept;

 private:
  // The outcome, counted (txrt_requests_total) and answered.
  struct outcome_sink {
    metrics::request_kind kind;
    answer_function answer;
    void fail(std::string_view code, std::string_view message) const;
    void succeed(std::string request_id) const;
  };
  // One request or reply on its way out, shared by its steps.
  struct outgoing {
    outcome_sink out;
    telecomx::identity sender;
    telecomx::request_target from;
    telecomx::client_message message;
    std::string customer;  // the recipient's (request)
    std::string request_id;
  };
  using outgoing_ptr = std::shared_ptr<outgoing>;
  // A request that arrived for an employee of this node, checked before it is written.
  struct incoming {
    std::string employee;
    std::string customer;
    telecomx::bus_envelope envelope;
  };

  // The checks every message passes first; nullptr when `out` has been answered.
  outgoing_ptr admit(const request_sender& sender, std::string_view args,
                     telecomx::message_kind kind, outcome_sink out);

  // Whether the sender may address an employee (the recipient, or replyTo): its customer from
  // the hash, the parent chain when the policy needs it, then the policy. `next` gets the
  // verdict and the customer (when known).
  enum class reach : std::uint8_t { allowed, denied, unknown, store_down, directory_down };
  using reach_step = void (request_flow::*)(const outgoing_ptr&, reach, std::string customer);
  void check_reach(const outgoing_ptr& r, const std::string& employee, reach_step next);
  void on_reach_customer(const outgoing_ptr& r, reach_step next, bridge::kv_value v);
  void on_reach_chain(const outgoing_ptr& r, reach_step next, const std::string& customer,
                      const auth::chain_result& chain);
  static bool fail_unreachable(const outgoing_ptr& r, reach verdict);

  // Request steps, in order.
  void on_recipient_reach(const outgoing_ptr& r, reach verdict, std::string customer);
  void check_reply_to(const outgoing_ptr& r);
  void on_reply_to_reach(const outgoing_ptr& r, reach verdict, std::string customer);
  void record(const outgoing_ptr& r);
  void on_recorded(const outgoing_ptr& r, bool ok);
  // Reply step.
  void on_request_record(const outgoing_ptr& r, bridge::kv_value v);
  // Both: PUBLISH's receiver count decides.
  void publish(const outgoing_ptr& r, std::string channel, std::string envelope);
  static void on_published(const outgoing_ptr& r, long receivers);

  // Delivering steps.
  void check_delivery(incoming in);
  void on_sender_chain(const incoming& in, const std::vector<std::string>& chain);
  void deliver(const std::string& employee, const std::string& instance_id,
               telecomx::envelope_kind kind, std::string_view args);

  request_flow_deps deps_;
};

}  // namespace txrt::telecomx
