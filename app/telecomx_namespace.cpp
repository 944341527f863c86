#include "app/telecomx_namespace.hpp"

#include "app/client.hpp"
#include "app/request_router.hpp"
#include "server/socketio/socket.hpp"

namespace txrt::telecomx {

namespace {

client* client_of(const std::shared_ptr<sio::socket>& s) {
  return static_cast<client*>(s->app_state.get());
}

subscriptions_deps subscriptions_part(const namespace_deps& d) {
  return {d.directory, d.indexes, d.max_subscriptions_per_socket, d.subscribe_per_socket,
          d.on_room_change};
}

authenticator_deps authenticator_part(const namespace_deps& d) {
  return {d.validator,    d.employees,       d.router,          d.observer,
          d.auth_timeout, d.auth_per_socket, d.auth_per_address, d.revalidate_interval};
}

}  // namespace

telecomx_namespace::telecomx_namespace(namespace_deps deps)
    : loops_(deps.loops),
      loop_count_(deps.indexes.size()),
      router_(deps.router),
      observer_(deps.observer),
      subscriptions_(subscriptions_part(deps), *this),
      authenticator_(authenticator_part(deps), subscriptions_, *this) {}

void telecomx_namespace::on_connect(const std::shared_ptr<sio::socket>& s, std::string_view) {
  std::size_t loop = loops_->current_index();
  if (loop >= loop_count_) loop = 0;
  auto c = std::make_shared<client>(*s, loop);
  s->app_state = c;
  authenticator_.start_deadline(*c);
  if (observer_) observer_->on_connected(*c);
}

void telecomx_namespace::on_disconnect(const std::shared_ptr<sio::socket>& s,
                                       sio::disconnect_reason reason) {
  auto* c = client_of(s);
  if (!c) return;
  c->connected = false;
  ++c->generation;
  authenticator_.forget(*c);
  if (observer_) observer_->on_disconnected(*c, sio::to_string(reason));
  c->socket = nullptr;
  s->app_state.reset();
}

void telecomx_namespace::on_event(const std::shared_ptr<sio::socket>& s, const sio::event& e) {
  auto* c = client_of(s);
  if (!c) return;
  if (e.name == "authenticate") return authenticator_.authenticate(*c, e.args, e.ack_id);
  if (e.name == "subscribe") return subscriptions_.subscribe(*c, e.args, e.ack_id);
  if (e.name == "unsubscribe") return subscriptions_.unsubscribe(*c, e.args, e.ack_id);
  if (e.name == "request" && router_) return router_->on_request(*c, e);
  if (e.name == "reply" && router_) return router_->on_reply(*c, e);
  // Other events are ignored, as socket.io ignores unknown events.
}

void telecomx_namespace::emit(client& c, std::string_view name, std::string_view args) {
  if (c.socket) c.socket->emit(name, args);
}

void telecomx_namespace::ack(client& c, std::uint64_t id, std::string_view args) {
  if (c.socket) c.socket->ack(id, args);
}

void telecomx_namespace::disconnect(client& c) {
  if (c.socket) c.socket->disconnect();
}

}  // namespace txrt::telecomx
