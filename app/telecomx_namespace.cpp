#include "app/telecomx_namespace.hpp"

#include "app/client.hpp"
#include "app/request_router.hpp"
#include "server/socketio/socket.hpp"

namespace txrt::telecomx {

namespace {

client* client_of(const std::shared_ptr<sio::socket>& s) {
  return static_cast<client*>(s->app_state.get());
}

authenticator_deps authenticator_part(const namespace_deps& d, client_observer* observer) {
  return {d.validator,    d.employees,       d.router,          observer,
          d.auth_timeout, d.auth_per_socket, d.auth_per_address, d.revalidate_interval};
}

// Socket.IO's recoverable reasons: the client did not choose to leave, nor was it sent away.
bool may_return(sio::disconnect_reason r) noexcept {
  using sio::disconnect_reason;
  switch (r) {
    case disconnect_reason::transport_close:
    case disconnect_reason::transport_error:
    case disconnect_reason::ping_timeout:
    case disconnect_reason::server_shutting_down:
    case disconnect_reason::forced_close: return true;
    default: return false;
  }
}

}  // namespace

telecomx_namespace::telecomx_namespace(namespace_deps deps)
    : loops_(deps.loops),
      loop_count_(deps.indexes.size()),
      router_(deps.router),
      observer_(deps.observer),
      subscriptions_({deps.directory, deps.indexes, deps.max_subscriptions_per_socket,
                      deps.subscribe_per_socket,
                      [this](client& c) { recovery_.save(c); }, deps.on_room_change},
                     *this),
      authenticator_(authenticator_part(deps, this), subscriptions_, *this),
      recovery_(std::move(deps.recovery), subscriptions_) {}

std::size_t telecomx_namespace::current_loop() const {
  const std::size_t loop = loops_->current_index();
  return loop < loop_count_ ? loop : 0;
}

void telecomx_namespace::on_connect(const std::shared_ptr<sio::socket>& s, std::string_view) {
  auto c = std::make_shared<client>(*s, current_loop());
  s->app_state = c;
  // A socket gets offsets when recovery is on and it speaks Socket.IO v5 (it has a pid).
  if (auto pid = s->take_pid(); !pid.empty())
    c->recovery = std::make_unique<client_recovery>(std::move(pid));
  authenticator_.start_deadline(*c);
  if (observer_) observer_->on_connected(*c);
}

void telecomx_namespace::on_authenticated(const client& c) {
  // The authenticator hands out const clients; the record's bookkeeping lives in the client.
  recovery_.save(const_cast<client&>(c));
  if (observer_) observer_->on_authenticated(c);
}

void telecomx_namespace::recover(std::string pid, std::optional<std::string> offset,
                                 std::string address, sio::recovery_callback done) {
  recovery_.find(std::move(pid), std::move(offset), std::move(address),
                 [this, done = std::move(done)](std::optional<recovery_plan> plan) {
                   if (!plan) return done(std::nullopt);
                   auto found = std::make_shared<recovery_plan>(std::move(*plan));
                   std::string sid = found->record.sid;
                   done(sio::recovered_session{
                       std::move(sid),
                       [this, found](const std::shared_ptr<sio::socket>& s) { resume(s, *found); }});
                 });
}

void telecomx_namespace::resume(const std::shared_ptr<sio::socket>& s, const recovery_plan& plan) {
  auto c = std::make_shared<client>(*s, current_loop());
  s->app_state = c;
  c->recovery = std::make_unique<client_recovery>(s->take_pid());
  c->reported.assign(plan.record.client_name, plan.record.instance_id, plan.record.reported_ip);
  // The record's positions stay: a later recovery replays from where this session began.
  c->recovery->since = plan.record.since;
  for (const auto& h : plan.record.subscriptions)
    c->recovery->held.emplace_back(session_recovery::key_of(h.what), h.since);
  if (observer_) observer_->on_connected(*c);
  std::vector<telecomx::subscription> kept;
  for (const auto& h : plan.record.subscriptions) kept.push_back(h.what);
  subscriptions_.restore(*c, kept);
  authenticator_.restore(*c, plan.who, plan.record.token);  // and the record, through on_authenticated
  const auto send = [&s](const engine::outgoing& frame) { s->send_encoded(frame); };
  if (!recovery_.replay(*c, plan, send)) {
    // The history moved past the offset while the identity was checked: the client must not
    // believe it has everything. A dropped transport makes it come back and fail honestly.
    session_recovery::fail(metrics::recovery_failure::expired_offset);
    s->close_transport();
  }
}

void telecomx_namespace::on_disconnect(const std::shared_ptr<sio::socket>& s,
                                       sio::disconnect_reason reason) {
  auto* c = client_of(s);
  if (!c) return;
  recovery_.disconnected(*c, may_return(reason));
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
