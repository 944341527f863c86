#include "app/request_router.hpp"

#include <boost/asio/post.hpp>

#include "app/client.hpp"
#include "app/replies.hpp"
#include "protocol/telecomx/request_envelope.hpp"

namespace txrt::telecomx {

namespace net = boost::asio;

namespace {

// Acks the event on the socket's own loop, if the client asked for an ack and the socket is
// still connected by then (the outcome may come from the bus loop, much later).
answer_function ack_on_socket(client& c, const sio::event& e) {
  return [socket = c.socket->weak_from_this(), ack_id = e.ack_id](const request_outcome& o) {
    auto s = socket.lock();
    if (!s || !ack_id) return;
    std::string json = o.ok() ? telecomx::request_accepted_json(o.request_id)
                              : failure_json(o.code, o.message, true);
    net::post(s->executor(), [socket, id = *ack_id, json = std::move(json)] {
      if (auto s = socket.lock(); s && s->connected()) s->ack(id, json);
    });
  };
}

request_sender sender_of(client& c) {
  return {c.who.get(), c.reported.instance_id(), c.requests};
}

}  // namespace

request_router::request_router(server::loop_pool& loops, std::string prefix, bridge::bus& bus,
                               bridge::kv_store& store,
                               std::shared_ptr<auth::customer_directory> directory,
                               std::vector<employee_index*> employees,
                               std::chrono::milliseconds request_ttl, limits::rate_limit per_socket)
    : presence_(loops.loop(0), prefix, bus, store),
      delivery_(loops, std::move(employees)),
      flow_(request_flow_deps{
          std::move(prefix),
          &bus,
          &store,
          std::move(directory),
          loops.loop(0).get_executor(),
          &presence_,
          [this](const std::string& employee, const std::string& instance_id,
                 const engine::outgoing& frame) {
            delivery_.deliver(employee, instance_id, frame);
          },
          request_ttl,
          per_socket,
      }) {}

void request_router::on_request(client& c, const sio::event& e) {
  flow_.on_request(sender_of(c), e.args, ack_on_socket(c, e));
}

void request_router::on_reply(client& c, const sio::event& e) {
  flow_.on_reply(sender_of(c), e.args, ack_on_socket(c, e));
}

void request_router::employee_online(std::shared_ptr<const telecomx::identity> who) {
  presence_.online(std::move(who));
}

void request_router::employee_offline(const std::string& employee) {
  presence_.offline(employee);
}

void request_router::on_employee_message(std::string_view channel, std::string_view payload) {
  flow_.on_employee_message(channel, payload);
}

bool request_router::is_employee_channel(std::string_view channel) const noexcept {
  return flow_.is_employee_channel(channel);
}

}  // namespace txrt::telecomx
