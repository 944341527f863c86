#include "app/http_validator.hpp"

#include <memory>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "protocol/telecomx/identity_document.hpp"
#include "app/app_metrics.hpp"

namespace txrt::telecomx {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::urls::unreserved_chars;

auth_result failure(auth_error error, std::string message) {
  auth_result r;
  r.error = error;
  r.message = std::move(message);
  return r;
}

// One validation: resolve, connect, write, read, all bounded by one deadline timer that, when
// it fires, cancels whatever is in flight. `done` runs once, from a completion handler on the
// caller's executor (so never inline in validate()).
class exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(net::any_io_executor ex, auth_callback done)
      : resolver_(ex), stream_(ex), timer_(ex), done_(std::move(done)) {}

  void run(const std::string& host, const std::string& port, std::string target,
           std::string host_header, std::chrono::milliseconds deadline) {
    request_.method(http::verb::get);
    request_.target(target);
    request_.set(http::field::host, host_header);
    request_.set(http::field::user_agent, "txrt");
    request_.set(http::field::accept, "application/json");
    request_.keep_alive(false);
    parser_.body_limit(64 * 1024);
    timer_.expires_after(deadline);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->finish(failure(auth_error::unavailable, "auth service timed out"));
    });
    resolver_.async_resolve(
        host, port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          if (ec) return self->fail(ec, "resolve");
          self->stream_.async_connect(r, [self](beast::error_code ec, const tcp::endpoint&) {
            if (ec) return self->fail(ec, "connect");
            http::async_write(
                self->stream_, self->request_, [self](beast::error_code ec, std::size_t) {
                  if (ec) return self->fail(ec, "write");
                  http::async_read(
                      self->stream_, self->buffer_, self->parser_,
                      [self](beast::error_code ec, std::size_t) {
                        if (ec) return self->fail(ec, "read");
                        const auto& res = self->parser_.get();
                        self->finish(http_validator::interpret(res.result_int(), res.body()));
                      });
                });
          });
        });
  }

 private:
  void fail(beast::error_code ec, const char* where) {
    if (finished_) return;  // the deadline came first and cancelled us
    spdlog::warn("auth: http validator {} failed: {}", where, ec.message());
    finish(failure(auth_error::unavailable, "auth service unreachable"));
  }

  void finish(auth_result result) {
    if (finished_) return;
    finished_ = true;
    metrics::validator_duration.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    timer_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    stream_.socket().close(ignored);
    done_(std::move(result));
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::string_body> parser_;
  auth_callback done_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace

http_validator::http_validator(std::string_view auth_url, std::chrono::milliseconds deadline)
    : deadline_(deadline) {
  auto parsed = boost::urls::parse_uri(auth_url);
  if (!parsed) throw std::invalid_argument("auth-url: not a URL");
  base_ = *parsed;
  // https is not supported yet: it needs Beast's ssl_stream and certificate configuration.
  if (base_.scheme() != "http")
    throw std::invalid_argument("auth-url: only http:// is supported (https is not, yet)");
  if (base_.host_address().empty()) throw std::invalid_argument("auth-url: no host");
  host_ = base_.host_address();
  port_ = base_.has_port() ? std::string(base_.port()) : "80";
  base_.remove_fragment();
  if (base_.path().empty()) base_.set_path("/");
}

void http_validator::validate(const auth_request& request, boost::asio::any_io_executor caller,
                              auth_callback done) {
  if (request.token.empty()) {  // as the file validator: a missing token is a malformed payload
    boost::asio::post(caller, [done = std::move(done)]() {
      done(failure(auth_error::credentials_invalid, "no token"));
    });
    return;
  }
  boost::urls::url u = base_;
  // Everything but RFC 3986 unreserved characters is percent-encoded: params() would leave '+'
  // as is, which form decoders (Express, PHP) read as a space.
  u.encoded_params().append({"token", boost::urls::encode(request.token, unreserved_chars)});
  u.encoded_params().append({"ip", boost::urls::encode(request.ip, unreserved_chars)});
  auto x = std::make_shared<exchange>(std::move(caller), std::move(done));
  x->run(host_, port_, std::string(u.encoded_target()), std::string(u.encoded_host_and_port()),
         deadline_);
}

auth_result http_validator::interpret(unsigned status, std::string_view body) {
  if (status == 401 || status == 403) return failure(auth_error::invalid_token, "invalid token");
  if (status != 200) {
    spdlog::warn("auth: http validator answered HTTP {}", status);
    return failure(auth_error::unavailable, "auth service error");
  }
  telecomx::identity_document doc = telecomx::parse_identity_json(body);
  switch (doc.status) {
    case telecomx::identity_status::ok: {
      auth_result r;
      r.who = std::move(doc.who);
      return r;
    }
    case telecomx::identity_status::rejected:
      return failure(auth_error::invalid_token, "invalid token");
    case telecomx::identity_status::no_login:
      return failure(auth_error::credentials_invalid, "access level NO_LOGIN cannot log in");
    case telecomx::identity_status::malformed:
      break;
  }
  spdlog::warn("auth: http validator answered a bad identity document ({})", doc.error);
  return failure(auth_error::unavailable, "auth service answered a malformed document");
}

}  // namespace txrt::telecomx
