#include "server/http/http_connection.hpp"

#include "server/http/client_address.hpp"

#include <atomic>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "protocol/engineio/handshake.hpp"
#include "server/server_metrics.hpp"
#include "server/engine/engine_server.hpp"

namespace txrt::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using beast_http::field;
using beast_http::verb;

namespace {
// Identifies a held GET across loops (the session compares it when told a GET went away).
std::atomic<std::uint64_t> next_get_id{1};
}  // namespace

http_connection::http_connection(server::tcp_socket socket, const router& routes,
                                 std::string peer)
    : stream_(std::move(socket)), routes_(routes), peer_(std::move(peer)) {}

std::string http_connection::peer_address() {
  if (!peer_.empty()) return peer_;
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  return ec ? std::string() : peer.address().to_string();
}

void http_connection::start() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void http_connection::do_read() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(routes_.max_header_bytes);
  // No body limit while reading the headers (the parser would fail the headers of an oversized
  // request, and we want to answer it 413); on_header sets the limit before the body is read.
  parser_->body_limit(boost::none);
  body_too_large_ = false;
  // Slow or silent clients (slowloris) lose the connection when the headers are late.
  stream_.expires_after(routes_.header_timeout);
  beast_http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void http_connection::on_header(beast::error_code ec) {
  if (ec) return refuse_header(ec);
  auto length = parser_->content_length();
  if (length && *length > routes_.max_body) {
    // Do not read what we will refuse: answer from the headers alone, then close.
    return refuse_body();
  }
  parser_->body_limit(routes_.max_body);
  beast_http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void http_connection::refuse_header(beast::error_code ec) {
  // Headers past max_header_bytes get 431 and a request that does not parse gets 400, like
  // other HTTP servers, so that a client (or the operator reading its log) learns why; the
  // connection is closed after the answer. A timeout (slowloris), EOF or reset is just closed:
  // nobody is listening for an answer.
  const bool parse_error = ec.category() == beast_http::make_error_code(beast_http::error::bad_method).category() &&
                           ec != beast_http::error::end_of_stream &&
                           ec != beast_http::error::partial_message &&
                           ec != beast_http::error::need_more;
  if (!parse_error) {
    if (ec == beast::error::timeout) metrics::count_http_refused(metrics::http_refusal::timeout);
    return close();
  }
  const bool too_large = ec == beast_http::error::header_limit;
  metrics::count_http_refused(too_large ? metrics::http_refusal::header_too_large
                                        : metrics::http_refusal::bad_request);
  req_ = request(verb::get, "/", 11);  // nothing of the refused request is used
  auto res = make_response(req_, too_large ? 431 : 400,
                           too_large ? "Request Header Fields Too Large" : "Bad Request");
  res.keep_alive(false);
  write(std::move(res));
}

void http_connection::on_body(beast::error_code ec) {
  // A chunked body that grew past the limit: refused like one announced too large (an
  // Engine.IO session is closed too).
  if (ec == beast_http::error::body_limit) return refuse_body();
  if (ec == beast::error::timeout) metrics::count_http_refused(metrics::http_refusal::timeout);
  if (ec) return close();
  req_ = parser_->release();
  handle();
}

void http_connection::refuse_body() {
  body_too_large_ = true;
  metrics::count_http_refused(metrics::http_refusal::body_too_large);
  const auto& header = parser_->get();
  req_ = request(header.method(), header.target(), header.version());
  for (const auto& f : header) req_.set(f.name_string(), f.value());
  req_.keep_alive(false);
  handle();
}

void http_connection::handle() {
  stream_.expires_never();
  const std::string_view target = req_.target();
  const std::string_view path = eio::target_path(target);

  if (req_.method() == verb::options) {
    if (routes_.cors) return write(routes_.cors->preflight(req_));
    return write(make_response(req_, 204, ""));
  }
  if (routes_.bundle) {
    if (auto res = routes_.bundle->serve(req_, path)) return write(std::move(*res));
  }
  if (const auto* endpoint = routes_.find_engine(path)) {
    return handle_engine(*endpoint, target);
  }
  // The Engine.IO endpoint answers an oversized body itself (and closes the session); every
  // other handler would see an empty body and call it malformed.
  if (body_too_large_) return write(make_response(req_, 413, "Payload Too Large"));
  if (auto it = routes_.handlers.find(std::string(path)); it != routes_.handlers.end())
    return write(it->second(req_));
  if (auto it = routes_.async_handlers.find(std::string(path)); it != routes_.async_handlers.end()) {
    const std::string peer = peer_address();
    const std::string client =
        peer.empty() ? std::string() : client_address_of(peer, req_, routes_.trusted_proxies);
    return it->second(req_, client, stream_.get_executor(),
                      [self = shared_from_this()](response res) { self->write(std::move(res)); });
  }
  write(make_response(req_, 404, "Not Found"));
}

void http_connection::handle_engine(const router::engine_endpoint& endpoint,
                                    std::string_view target) {
  auto* engine = endpoint.engine;
  auto query = eio::parse_engine_query(target);
  if (!query) {
    auto r = engine::bad_request();
    write(make_response(req_, r.status, r.body, r.content_type));
    return;
  }
  if (auto error = engine->validate(*query)) {
    write(make_response(req_, error->status, error->body, error->content_type));
    return;
  }
  const bool upgrade = beast::websocket::is_upgrade(req_);
  if (upgrade) {
    if (query->transport != eio::transport_kind::websocket) {
      auto r = engine::bad_request();
      write(make_response(req_, r.status, r.body, r.content_type));
      return;
    }
    closed_ = true;  // the engine owns the TCP connection from here on
    engine->handle_upgrade(stream_.release_socket(), std::move(req_), *query, peer_);
    return;
  }
  if (query->transport != eio::transport_kind::polling) {
    auto r = engine::bad_request();
    write(make_response(req_, r.status, r.body, r.content_type));
    return;
  }

  awaiting_engine_ = true;
  awaiting_engine_server_ = engine;
  awaiting_sid_ = query->sid;
  awaiting_get_id_ = next_get_id.fetch_add(1, std::memory_order_relaxed);
  auto self = shared_from_this();
  engine::polling_responder respond = [self](engine::polling_response answer) {
    // The session may be on another loop: come back to ours.
    net::post(self->stream_.get_executor(), [self, answer = std::move(answer)]() mutable {
      self->on_engine_answer(std::move(answer));
    });
  };
  const bool is_get = req_.method() == verb::get;
  std::string remote;
  if (query->sid.empty()) remote = peer_address();
  engine->handle_polling(req_, *query, awaiting_get_id_, body_too_large_, remote,
                         std::move(respond));
  if (is_get && awaiting_engine_ && !closed_) watch_for_close();
}

void http_connection::on_engine_answer(engine::polling_response answer) {
  if (!awaiting_engine_) return;
  awaiting_engine_ = false;
  if (closed_) return;
  auto res = make_response(req_, answer.status, std::move(answer.body), answer.content_type);
  if (answer.close_connection || body_too_large_) res.keep_alive(false);
  write(std::move(res));
}

void http_connection::watch_for_close() {
  // While the GET is held, a read tells us if the client goes away (EOF or reset). Any bytes
  // that arrive are kept in the buffer for the next request.
  watching_ = true;
  stream_.socket().async_read_some(
      buffer_.prepare(512),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_watch(ec, n); });
}

void http_connection::on_watch(beast::error_code ec, std::size_t bytes) {
  watching_ = false;
  if (!ec) buffer_.commit(bytes);
  if (awaiting_engine_) {
    if (ec && ec != net::error::operation_aborted) {
      awaiting_engine_ = false;
      if (awaiting_engine_server_)
        awaiting_engine_server_->polling_get_aborted(awaiting_sid_, awaiting_get_id_);
      close();
    }
    return;  // bytes from a pipelining client wait in the buffer for the next request
  }
  if (resume_after_watch_) {
    resume_after_watch_ = false;
    if (ec && ec != net::error::operation_aborted) return close();
    do_read();
  }
}

void http_connection::write(response res) {
  if (closed_) return;
  if (routes_.cors) routes_.cors->apply(req_, res);
  auto shared = std::make_shared<response>(std::move(res));
  const bool keep_alive = shared->keep_alive();
  stream_.expires_after(std::chrono::seconds(30));
  beast_http::async_write(stream_, *shared,
                          [self = shared_from_this(), shared, keep_alive](beast::error_code ec,
                                                                          std::size_t) {
                            self->on_write(ec, keep_alive);
                          });
}

void http_connection::on_write(beast::error_code ec, bool keep_alive) {
  if (ec || !keep_alive) return close();
  if (watching_) {
    // The close watch is still pending: cancel it and read the next request once it returns.
    resume_after_watch_ = true;
    stream_.socket().cancel();
    return;
  }
  do_read();
}

void http_connection::close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  // Closing with unread request bytes would reset the connection and could destroy the answer
  // just written (e.g. a 413 for a body we did not read): read and discard until the client
  // closes, for a bounded time.
  stream_.expires_after(std::chrono::seconds(2));
  drain();
}

void http_connection::drain() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](
                                                         beast::error_code ec, std::size_t) {
    if (ec) return self->stream_.close();
    self->drain();
  });
}

}  // namespace txrt::http
