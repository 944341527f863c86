// websocket_transport's side of the opening handshake: the request checked and answered by
// protocol/websocket/upgrade.hpp, the answer written straight to the socket. Beast's
// websocket::stream did this before, at the cost of a large object, a timer and an epoll
// re-registration per connection, and a second FIONBIO / TCP_NODELAY.
#include <optional>
#include <string_view>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "protocol/websocket/upgrade.hpp"
#include "server/engine/compression.hpp"
#include "server/engine/websocket_transport.hpp"
#include "server/server_metrics.hpp"

namespace txrt::engine {

namespace ws = protocol::ws;

void websocket_transport::accept(request req, std::function<void(bool)> done) {
  namespace http = boost::beast::http;
  const auto header = [&req](http::field name) -> std::optional<std::string_view> {
    const auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value());
  };
  ws::upgrade_request upgrade;
  upgrade.http_version = req.version();
  upgrade.is_get = req.method() == http::verb::get;
  upgrade.has_host = req.count(http::field::host) > 0;
  upgrade.connection = header(http::field::connection);
  upgrade.upgrade = header(http::field::upgrade);
  upgrade.key = header(http::field::sec_websocket_key);
  upgrade.version = header(http::field::sec_websocket_version);
  if (const auto error = ws::check_upgrade(upgrade); error != ws::upgrade_error::none) {
    metrics::count_http_refused(metrics::http_refusal::bad_upgrade);
    return write_handshake(ws::upgrade_refusal(error, req.version()), false, std::move(done));
  }
  // permessage-deflate: txrt answers the offer and does the compression.
  const auto deflate = answer_deflate_offers(req, options_.compression);
  if (deflate) {
    deflate_ = true;
    reader_.allow_compressed(true);
    count_deflate_session(+1);
  }
  auto answer = deflate ? ws::switching_protocols(*upgrade.key, *deflate)
                        : ws::switching_protocols(*upgrade.key);
  write_handshake(std::move(answer), true, std::move(done));
}

void websocket_transport::write_handshake(std::string answer, bool accepted,
                                          std::function<void(bool)> done) {
  // The listener made the socket non-blocking, unless it came another way (a descriptor moved
  // between loops, the plain end of a TLS relay): the reads and writes of the transport rely
  // on it.
  boost::system::error_code ec;
  if (!socket_.non_blocking()) socket_.non_blocking(true, ec);
  // The answer is ~200 bytes and the socket fresh: one send takes it whole, with no timer and
  // no wait; only a socket that cannot take it at once waits, within the close timer's 5 s.
  std::size_t written = 0;
  if (!ec) written = socket_.write_some(net::buffer(answer), ec);
  const bool wait = ec == net::error::would_block || ec == net::error::try_again;
  if (ec && !wait) return finish_handshake(false, done);
  if (written == answer.size()) {
    // Finished on a later turn of the loop, never inside accept: the caller's HTTP connection
    // must be gone first, for it holds a connection slot that the new session's admission
    // counts (listener.cpp).
    return net::post(socket_.get_executor(),
                     [self = self(), accepted, done = std::move(done)] {
                       self->finish_handshake(accepted, done);
                     });
  }
  start_close_timer();
  auto rest = std::make_shared<std::string>(answer.substr(written));
  net::async_write(socket_, net::buffer(*rest),
                   [self = self(), rest, accepted, done = std::move(done)](
                       boost::system::error_code ec, std::size_t) {
                     self->close_timer_.reset();  // cancels its wait
                     self->finish_handshake(!ec && accepted, done);
                   });
}

void websocket_transport::finish_handshake(bool accepted, const std::function<void(bool)>& done) {
  // A refused request was answered; its connection goes (as Beast's stream closed it).
  if (!accepted || !socket_.is_open()) {
    abort();
    return done(false);
  }
  done(true);
}

}  // namespace txrt::engine
