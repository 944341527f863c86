#include "server/socketio/connection.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "protocol/socketio/recovery_auth.hpp"
#include "server/engine/session.hpp"
#include "server/util/random_id.hpp"

namespace txrt::sio {

std::string_view to_string(disconnect_reason r) noexcept {
  switch (r) {
    case disconnect_reason::client_namespace_disconnect: return "client namespace disconnect";
    case disconnect_reason::server_namespace_disconnect: return "server namespace disconnect";
    case disconnect_reason::transport_close: return "transport close";
    case disconnect_reason::transport_error: return "transport error";
    case disconnect_reason::ping_timeout: return "ping timeout";
    case disconnect_reason::parse_error: return "parse error";
    case disconnect_reason::server_shutting_down: return "server shutting down";
    case disconnect_reason::forced_close: return "forced close";
  }
  return "unknown";
}

namespace {

disconnect_reason from_engine(engine::close_reason r) {
  using engine::close_reason;
  switch (r) {
    case close_reason::client_close:
    case close_reason::transport_close: return disconnect_reason::transport_close;
    case close_reason::transport_error: return disconnect_reason::transport_error;
    case close_reason::ping_timeout: return disconnect_reason::ping_timeout;
    case close_reason::parse_error:
    case close_reason::payload_too_large: return disconnect_reason::parse_error;
    case close_reason::shutdown: return disconnect_reason::server_shutting_down;
    default: return disconnect_reason::forced_close;
  }
}

}  // namespace

connection::connection(engine::session& session, const namespaces& spaces)
    : session_(session),
      spaces_(spaces),
      protocol_(session.version() == eio::version::v3 ? version::v4 : version::v5) {}

connection::~connection() = default;  // destroying connect_timer_ cancels its wait

void connection::on_open() {
  if (protocol_ == version::v4) {
    // socket.io v2 clients expect to be in "/" at once, without asking.
    packet p;
    p.type = packet_type::connect;
    p.nsp = "/";
    connect(p);
    return;
  }
  connect_timer_ = std::make_unique<boost::asio::steady_timer>(session_.loop());
  connect_timer_->expires_after(spaces_.connect_timeout);
  std::weak_ptr<engine::session> weak = session_.shared_from_this();
  connect_timer_->async_wait([this, weak](boost::system::error_code ec) {
    if (ec) return;
    auto s = weak.lock();
    if (s && s->is_open() && sockets_.empty()) s->close(engine::close_reason::server_close);
  });
}

connection::rare_state& connection::rare() {
  if (!rare_) rare_ = std::make_unique<rare_state>();
  return *rare_;
}

connection::socket_list::iterator connection::find_socket(std::string_view nsp) {
  return std::find_if(sockets_.begin(), sockets_.end(),
                      [nsp](const std::shared_ptr<socket>& s) { return s->nsp() == nsp; });
}

void connection::protocol_error() {
  // Keep the session alive while it closes: it owns this connection.
  auto keep = session_.shared_from_this();
  session_.close(engine::close_reason::parse_error);
}

void connection::on_message(std::string_view text) {
  if (closed_) return;
  if (awaiting_attachments()) return protocol_error();  // text while attachments are due
  auto p = decode(protocol_, text, spaces_.limits);
  if (!p) return protocol_error();
  if (p->attachments > 0) {
    auto& r = rare();
    r.pending_text.assign(text);
    r.pending_bytes = text.size();
    r.pending_expected = p->attachments;
    r.pending_attachments.clear();
    r.pending_attachments.reserve(p->attachments);
    return;
  }
  static const std::vector<std::string> none;
  dispatch(*p, none);
}

void connection::on_binary(std::string_view bytes) {
  if (closed_) return;
  if (!awaiting_attachments()) return protocol_error();  // a stray binary message
  auto& r = *rare_;
  r.pending_bytes += bytes.size();
  if (r.pending_bytes > spaces_.limits.max_binary_bytes) return protocol_error();
  r.pending_attachments.emplace_back(bytes);
  if (r.pending_attachments.size() < r.pending_expected) return;
  r.pending_expected = 0;
  auto text = std::move(r.pending_text);
  auto attachments = std::move(r.pending_attachments);
  r.pending_text.clear();
  r.pending_attachments.clear();
  auto p = decode(protocol_, text, spaces_.limits);
  if (!p) return protocol_error();
  dispatch(*p, attachments);
}

void connection::dispatch(const packet& p, const std::vector<std::string>& attachments) {
  switch (p.type) {
    case packet_type::connect: return connect(p);
    case packet_type::connect_error: return protocol_error();  // only servers send these
    default: break;
  }
  auto it = find_socket(p.nsp);
  if (it == sockets_.end()) return protocol_error();  // a packet for a namespace not joined
  auto s = *it;
  switch (p.type) {
    case packet_type::disconnect:
      return leave(std::string(p.nsp), disconnect_reason::client_namespace_disconnect);
    case packet_type::event:
    case packet_type::binary_event: {
      auto split = split_event(p.data);
      if (!split) return protocol_error();
      auto* handler = spaces_.find(s->nsp());
      if (!handler) return;
      event e{split->name, split->args, &attachments, p.ack_id};
      handler->on_event(s, e);
      return;
    }
    case packet_type::ack:
    case packet_type::binary_ack: {
      if (!p.ack_id) return protocol_error();
      auto body = array_body(p.data);
      if (!body) return protocol_error();
      s->deliver_ack(*p.ack_id, *body, attachments);
      return;
    }
    default: return protocol_error();
  }
}

void connection::connect_error(std::string_view nsp, std::string_view message) {
  std::string payload;
  if (protocol_ == version::v5) {
    payload = "{\"message\":";
    append_json_string(message, payload);
    payload.push_back('}');
  } else {
    append_json_string(message, payload);  // v4 (socket.io v2): the error is a plain string
  }
  std::string text = "4";
  encode_header(packet_type::connect_error, nsp, std::nullopt, 0, text);
  text += payload;
  session_.send({engine::make_shared_bytes(std::move(text)), false});
}

void connection::connect(const packet& p) {
  auto* handler = spaces_.find(p.nsp);
  if (!handler) return connect_error(p.nsp, "Invalid namespace");
  if (find_socket(p.nsp) != sockets_.end()) return;  // already joined: nothing to do
  if (rare_ && std::find(rare_->recovering.begin(), rare_->recovering.end(), p.nsp) !=
                   rare_->recovering.end())
    return;  // its first CONNECT is being answered
  const std::string_view auth = p.data.empty() ? std::string_view("{}") : p.data;
  if (auto refusal = handler->authorize(auth)) return connect_error(p.nsp, *refusal);
  // A handler that admits later: its answer replays this CONNECT with admitted_state_ set,
  // which open_socket (on this call, not after a recovery's wait) gives the socket.
  if (handler->admits_later() && !(rare_ && rare_->admitted_state))
    return admit_later(*handler, p);

  const auto fresh = [&] {
    open_socket(*handler, std::string(p.nsp), std::string(auth), {}, {});
  };
  if (protocol_ != version::v5) return fresh();
  auto asked = read_recovery_auth(auth);
  if (!asked.asked) return fresh();
  if (!handler->offers_recovery() || asked.invalid) {
    handler->recovery_refused(asked.invalid && handler->offers_recovery()
                                  ? recovery_refusal::invalid_request
                                  : recovery_refusal::disabled);
    return fresh();
  }
  // The answer comes later, from any thread: take it to this session's loop, and drop it if the
  // session is gone by then (the session owns this connection).
  std::string nsp(p.nsp);
  rare().recovering.push_back(nsp);
  std::weak_ptr<engine::session> weak = session_.shared_from_this();
  auto executor = session_.loop().get_executor();
  std::string pid = asked.pid;
  handler->recover(
      std::move(asked.pid), std::move(asked.offset), session_.remote_address(),
      [this, weak, executor, nsp = std::move(nsp), auth = std::string(auth),
       pid = std::move(pid)](std::optional<recovered_session> found) mutable {
        boost::asio::post(executor, [this, weak, nsp = std::move(nsp), auth = std::move(auth),
                                     pid = std::move(pid), found = std::move(found)]() mutable {
          auto alive = weak.lock();
          if (!alive || closed_ || !alive->is_open()) return;
          std::erase(rare().recovering, nsp);
          auto* handler = spaces_.find(nsp);
          if (!handler || find_socket(nsp) != sockets_.end()) return;
          if (!found) pid.clear();  // a fresh session gets a fresh pid
          open_socket(*handler, nsp, std::move(auth), std::move(found), std::move(pid));
        });
      });
}

void connection::open_socket(namespace_handler& handler, const std::string& nsp,
                             std::string auth, std::optional<recovered_session> recovered,
                             std::string pid) {
  const bool offers = protocol_ == version::v5 && handler.offers_recovery();
  // The socket views the namespaces' own key for its name (they outlive every connection).
  const std::string* key = spaces_.key_of(nsp);
  if (!key) return;  // not possible: `handler` was found by this name
  auto s = std::make_shared<socket>(session_.shared_from_this(), *key,
                                    recovered ? recovered->sid : util::random_id(15), protocol_,
                                    this);
  if (offers) s->set_pid(recovered ? std::move(pid) : util::random_id(18));
  if (rare_ && rare_->admitted_state) s->app_state = std::move(rare_->admitted_state);
  sockets_.push_back(s);
  connect_timer_.reset();  // cancels the wait

  std::string text = "4";
  encode_header(packet_type::connect, nsp, std::nullopt, 0, text);
  if (protocol_ == version::v5) {
    text += "{\"sid\":";
    append_json_string(s->id(), text);
    if (offers) {
      text += ",\"pid\":";
      append_json_string(s->pid(), text);
    }
    text.push_back('}');
  }
  session_.send({engine::make_shared_bytes(std::move(text)), false});
  if (recovered && recovered->resume) return recovered->resume(s);
  handler.on_connect(s, auth);
}

void connection::on_server_disconnect(socket& gone) {
  auto it = find_socket(gone.nsp());
  if (it == sockets_.end() || it->get() != &gone) return;
  auto keep = *it;
  sockets_.erase(it);
  if (auto* h = spaces_.find(gone.nsp()))
    h->on_disconnect(keep, disconnect_reason::server_namespace_disconnect);
}

void connection::leave(const std::string& nsp, disconnect_reason reason) {
  auto it = find_socket(nsp);
  if (it == sockets_.end()) return;
  auto s = *it;
  sockets_.erase(it);
  s->detach();
  if (auto* h = spaces_.find(nsp)) h->on_disconnect(s, reason);
}

void connection::on_close(engine::close_reason reason) {
  closed_ = true;
  if (rare_) rare_->recovering.clear();
  connect_timer_.reset();  // cancels the wait
  const auto why = from_engine(reason);
  auto all = std::move(sockets_);
  sockets_.clear();
  for (auto& s : all) {
    s->detach();
    if (auto* h = spaces_.find(s->nsp())) h->on_disconnect(s, why);
  }
}

engine::handler_factory make_connection_factory(const namespaces& spaces) {
  return [&spaces](engine::session& s) -> std::unique_ptr<engine::session_handler> {
    return std::make_unique<connection>(s, spaces);
  };
}

}  // namespace txrt::sio
