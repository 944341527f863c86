#include "server/engine/engine_server.hpp"

#include <random>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "protocol/forwarded.hpp"
#include "server/http/client_address.hpp"
#include "server/engine/session.hpp"
#include "server/engine/session_registry.hpp"
#include "server/engine/websocket_session.hpp"
#include "server/engine/websocket_transport.hpp"
#include "server/http/respond_and_close.hpp"
#include "server/util/random_id.hpp"

namespace txrt::engine {

namespace {

http::response to_http(const http::request& req, const polling_response& r) {
  return http::make_response(req, r.status, r.body, r.content_type);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

engine_server::engine_server(server::loop_pool& loops, engine_options options,
                             handler_factory factory, session_admission* admission)
    : loops_(loops), options_(options), factory_(std::move(factory)) {
  for (std::size_t i = 0; i < loops_.size(); ++i)
    registries_.push_back(std::make_unique<session_registry>(loops_.loop(i), admission));
}

void engine_server::start_session(const std::shared_ptr<session>& s,
                                  std::shared_ptr<websocket_transport> ws) {
  if (s->admit()) return s->start(factory_(*s), std::move(ws));
  s->start(nullptr, std::move(ws));
  // Not from inside start(): close it once start() has returned.
  net::post(s->loop(), [weak = std::weak_ptr<session>(s)] {
    if (auto s = weak.lock()) s->close(close_reason::server_close);
  });
}

engine_server::~engine_server() = default;

std::size_t engine_server::loop_of(const std::string& sid) const {
  const std::string_view prefix = options_.sid_prefix;
  if (sid.size() < prefix.size() + 3 || !std::string_view(sid).starts_with(prefix))
    return loops_.size();
  int hi = hex_value(sid[prefix.size()]), lo = hex_value(sid[prefix.size() + 1]);
  if (hi < 0 || lo < 0) return loops_.size();
  auto index = static_cast<std::size_t>(hi * 16 + lo);
  return index < loops_.size() ? index : loops_.size();
}

std::string engine_server::new_sid(std::size_t loop_index) const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string sid = options_.sid_prefix;
  sid.push_back(hex[(loop_index >> 4) & 15]);
  sid.push_back(hex[loop_index & 15]);
  sid += util::random_id(15);
  return sid;
}

std::optional<polling_response> engine_server::validate(const eio::engine_query& q) const {
  if (!q.has_eio || (q.eio != 4 && !(q.eio == 3 && options_.allow_eio3)))
    return unsupported_version();
  if (!q.has_transport || !q.transport_valid) return unknown_transport();
  if (q.jsonp) return bad_request();  // JSONP polling is not supported
  return std::nullopt;
}

void engine_server::handle_polling(const http::request& req, const eio::engine_query& q,
                                   std::uint64_t get_id, bool too_large,
                                   std::string_view remote_address,
                                   polling_responder respond) {
  using verb = http::beast_http::verb;
  const bool is_get = req.method() == verb::get;
  const bool is_post = req.method() == verb::post;
  if (q.sid.empty()) {
    if (!is_get) return respond(bad_handshake_method());
    // A handshake: the session lives on this loop.
    std::size_t index = loops_.current_index();
    if (index >= loops_.size()) index = 0;
    auto version = q.eio == 3 ? eio::version::v3 : eio::version::v4;
    auto s = std::make_shared<session>(loops_.loop(index), *registries_[index], options_,
                                       new_sid(index), version, q.b64);
    registries_[index]->add(s->sid(), s);
    s->set_remote_address(http::client_address_of(remote_address, req, options_.trusted_proxies));
    start_session(s, nullptr);
    s->on_polling_get(get_id, std::move(respond));
    return;
  }
  if (!is_get && !is_post) return respond(bad_request());
  const std::size_t index = loop_of(q.sid);
  if (index >= loops_.size()) return respond(unknown_sid());
  const bool binary_body =
      req[http::beast_http::field::content_type].starts_with("application/octet-stream");
  std::string body = is_post && !too_large ? req.body() : std::string();
  net::post(loops_.loop(index), [this, index, sid = q.sid, is_get, too_large, binary_body, get_id,
                                 body = std::move(body), respond = std::move(respond)]() mutable {
    auto s = registries_[index]->find(sid);
    if (!s) return respond(unknown_sid());
    if (is_get) return s->on_polling_get(get_id, std::move(respond));
    if (too_large) {
      respond(payload_too_large());
      return s->close(close_reason::payload_too_large);
    }
    s->on_polling_post(std::move(body), binary_body, std::move(respond));
  });
}

void engine_server::polling_get_aborted(const std::string& sid, std::uint64_t get_id) {
  const std::size_t index = loop_of(sid);
  if (index >= loops_.size()) return;
  net::post(loops_.loop(index), [this, index, sid, get_id] {
    if (auto s = registries_[index]->find(sid)) s->on_polling_get_aborted(get_id);
  });
}

void engine_server::handle_upgrade(server::tcp_socket socket, http::request req,
                                   const eio::engine_query& q, const std::string& peer) {
  if (auto error = validate(q)) {
    return http::respond_and_close(std::move(socket), to_http(req, *error));
  }
  if (q.sid.empty()) {
    std::size_t index = loops_.current_index();
    if (index >= loops_.size()) index = 0;
    auto version = q.eio == 3 ? eio::version::v3 : eio::version::v4;
    std::string address = peer;
    if (address.empty()) {
      boost::system::error_code ec;
      const auto endpoint = socket.remote_endpoint(ec);
      if (!ec) address = endpoint.address().to_string();
    }
    std::string remote = http::client_address_of(address, req, options_.trusted_proxies);
    return open_websocket_session(std::move(socket), std::move(req), version, index,
                                  std::move(remote));
  }
  const std::size_t index = loop_of(q.sid);
  if (index >= loops_.size())
    return http::respond_and_close(std::move(socket), to_http(req, unknown_sid()));
  if (index == loops_.current_index())
    return upgrade_on_owner_loop(std::move(socket), std::move(req), q.sid, index);
  // Move the connection to the session's loop: the descriptor changes owner, and from then on
  // only that loop touches it.
  boost::system::error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  auto fd = socket.release(ec);
  if (ec) return;
  net::post(loops_.loop(index), [this, index, fd, protocol, req = std::move(req),
                                 sid = q.sid]() mutable {
    server::tcp_socket moved(loops_.loop(index), protocol, fd);
    upgrade_on_owner_loop(std::move(moved), std::move(req), sid, index);
  });
}

void engine_server::open_websocket_session(server::tcp_socket socket, http::request req,
                                           eio::version version, std::size_t index,
                                           std::string remote_address) {
  // The session and its transport in one block (websocket_session.hpp); the session is
  // registered and started only once the upgrade is answered.
  auto s = websocket_session::make(*registries_[index], options_, new_sid(index), version,
                                   std::move(socket));
  auto ws = s->transport();
  ws->accept(std::move(req), [this, s, index, remote = std::move(remote_address)](bool ok) mutable {
    if (!ok) return;
    registries_[index]->add(s->sid(), s);
    s->set_remote_address(std::move(remote));
    start_session(s, s->transport());
  });
}

void engine_server::upgrade_on_owner_loop(server::tcp_socket socket, http::request req,
                                          const std::string& sid, std::size_t index) {
  auto s = registries_[index]->find(sid);
  if (!s) return http::respond_and_close(std::move(socket), to_http(req, unknown_sid()));
  auto ws = websocket_transport::make(std::move(socket), options_, s->version());
  // A WebSocket for a session that is not (or no longer) upgradable is accepted and closed at
  // once: clients such as `ws` treat a refused upgrade as an uncaught error, a close as routine.
  ws->accept(std::move(req), [ws, s](bool ok) {
    if (!ok) return;
    if (!s->attach_probe(ws)) ws->close();
  });
}

void engine_server::close_all(close_reason reason) {
  loops_.post_to_each([this, reason](std::size_t i) {
    std::vector<std::shared_ptr<session>> all;
    registries_[i]->for_each([&](const std::shared_ptr<session>& s) { all.push_back(s); });
    for (auto& s : all) s->close(reason);
  });
}

void engine_server::close_all_spread(close_reason reason, std::chrono::milliseconds spread) {
  if (spread.count() <= 0) return close_all(reason);
  loops_.post_to_each([this, reason, spread](std::size_t i) {
    std::minstd_rand random(std::random_device{}());
    std::uniform_int_distribution<std::int64_t> delay(0, spread.count());
    registries_[i]->for_each([&](const std::shared_ptr<session>& s) {
      auto timer = std::make_shared<boost::asio::steady_timer>(s->loop(),
                                                               std::chrono::milliseconds(delay(random)));
      std::weak_ptr<session> weak = s;
      timer->async_wait([timer, weak, reason](boost::system::error_code) {
        if (auto alive = weak.lock()) alive->close(reason);
      });
    });
  });
}

std::size_t engine_server::session_count() const {
  std::size_t n = 0;
  for (const auto& r : registries_) n += r->size();
  return n;
}

}  // namespace txrt::engine
