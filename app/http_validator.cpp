#include "app/http_validator.hpp"

#include <atomic>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "app/app_metrics.hpp"
#include "protocol/telecomx/identity_document.hpp"

namespace txrt::telecomx {

// The TLS side of an https:// validator, shared by its exchanges: the context (trust store and
// verification mode) and whether a failed handshake has been logged since the last good one.
struct tls_client {
  boost::asio::ssl::context context{boost::asio::ssl::context::tls_client};
  std::atomic<bool> failure_logged{false};
};

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

// One validation: resolve, connect, (TLS handshake,) write, read, all bounded by one deadline
// timer that, when it fires, cancels whatever is in flight. `done` runs once, from a
// completion handler on the caller's executor (so never inline in validate()). `Stream` is
// beast::tcp_stream for http://, beast::ssl_stream<beast::tcp_stream> for https://.
template <class Stream>
class exchange : public std::enable_shared_from_this<exchange<Stream>> {
  static constexpr bool tls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  exchange(net::any_io_executor ex, std::shared_ptr<tls_client> tls_state, auth_callback done)
      : resolver_(ex),
        stream_(make_stream(ex, tls_state.get())),
        timer_(ex),
        tls_(std::move(tls_state)),
        done_(std::move(done)) {}

  void run(const std::string& host, const std::string& port, std::string target,
           std::string host_header, std::chrono::milliseconds deadline) {
    host_ = host;
    request_.method(http::verb::get);
    request_.target(target);
    request_.set(http::field::host, host_header);
    request_.set(http::field::user_agent, "txrt");
    request_.set(http::field::accept, "application/json");
    request_.keep_alive(false);
    parser_.body_limit(64 * 1024);
    timer_.expires_after(deadline);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->finish(failure(auth_error::unavailable, "auth service timed out"));
    });
    resolver_.async_resolve(
        host, port,
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          self->on_resolve(ec, std::move(r));
        });
  }

 private:
  static Stream make_stream(net::any_io_executor ex, tls_client* tls_state) {
    if constexpr (tls)
      return Stream(ex, tls_state->context);
    else
      return Stream(ex);
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec, "resolve");
    beast::get_lowest_layer(stream_).async_connect(
        results, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          self->on_connect(ec);
        });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail(ec, "connect");
    if constexpr (tls) {
      // SNI for a host name (not for an address literal), and the certificate must name the
      // host: a chain that verifies is not enough.
      beast::error_code not_an_address;
      net::ip::make_address(host_, not_an_address);
      if (not_an_address) SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str());
      stream_.set_verify_callback(net::ssl::host_name_verification(host_));
      stream_.async_handshake(
          net::ssl::stream_base::client,
          [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      do_write();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (!ec) {
      tls_->failure_logged = false;
      return do_write();
    }
    if (finished_) return;
    // Logged once until a handshake succeeds again: a certificate that does not verify would
    // otherwise log on every authenticate.
    if (!tls_->failure_logged.exchange(true)) {
      const long verify = SSL_get_verify_result(stream_.native_handle());
      // host_name_verification refuses a chain that verifies but names another host without
      // saying why: OpenSSL then reports X509_V_ERR_UNSPECIFIED.
      const std::string why = verify == X509_V_OK ? std::string()
                              : verify == X509_V_ERR_UNSPECIFIED
                                  ? " (the certificate does not name " + host_ + ")"
                                  : std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      spdlog::error("auth: TLS handshake with {} failed: {}{}", host_, ec.message(), why);
    }
    finish(failure(auth_error::unavailable, "auth service unreachable"));
  }

  void do_write() {
    http::async_write(stream_, request_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail(ec, "write");
    http::async_read(stream_, buffer_, parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    // A TLS server that closes without close_notify ends a body delimited by the connection's
    // end with stream_truncated: take it as that end. A cut body is caught anyway, as a JSON
    // document that does not parse.
    if (tls && ec == net::ssl::error::stream_truncated && !parser_.is_done()) {
      ec = {};
      parser_.put_eof(ec);
    }
    if (ec) return fail(ec, "read");
    const auto& res = parser_.get();
    finish(http_validator::interpret(res.result_int(), res.body()));
  }

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
    beast::get_lowest_layer(stream_).socket().close(ignored);
    done_(std::move(result));
  }

  tcp::resolver resolver_;
  Stream stream_;
  net::steady_timer timer_;
  std::shared_ptr<tls_client> tls_;  // null for http://
  std::string host_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::string_body> parser_;
  auth_callback done_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// TLS 1.2 or later, the peer's certificate verified against `ca_file`, or the system's trust
// store when it is empty. Throws std::invalid_argument naming auth-ca-file when it cannot be
// read or holds no certificate.
std::shared_ptr<tls_client> make_tls_client(const std::string& ca_file) {
  auto tls = std::make_shared<tls_client>();
  auto& ctx = tls->context;
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                  net::ssl::context::no_tlsv1_1);
  ctx.set_verify_mode(net::ssl::verify_peer);
  beast::error_code ec;
  if (ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
    if (ec) throw std::invalid_argument("auth-url: the system's CA store: " + ec.message());
    return tls;
  }
  if (!std::ifstream(ca_file)) throw std::invalid_argument("auth-ca-file: cannot read " + ca_file);
  ctx.load_verify_file(ca_file, ec);
  if (ec)
    throw std::invalid_argument("auth-ca-file: " + ca_file + " holds no PEM certificate (" +
                                ec.message() + ")");
  return tls;
}

}  // namespace

http_validator::http_validator(std::string_view auth_url, std::chrono::milliseconds deadline,
                               const std::string& ca_file)
    : deadline_(deadline) {
  auto parsed = boost::urls::parse_uri(auth_url);
  if (!parsed) throw std::invalid_argument("auth-url: not a URL");
  base_ = *parsed;
  const bool https = base_.scheme() == "https";
  if (base_.scheme() != "http" && !https)
    throw std::invalid_argument("auth-url: only http:// and https:// are supported");
  if (base_.host_address().empty()) throw std::invalid_argument("auth-url: no host");
  host_ = base_.host_address();
  port_ = base_.has_port() ? std::string(base_.port()) : https ? "443" : "80";
  if (https) tls_ = make_tls_client(ca_file);
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
  auto run = [&](auto x) {
    x->run(host_, port_, std::string(u.encoded_target()), std::string(u.encoded_host_and_port()),
           deadline_);
  };
  if (tls_)
    run(std::make_shared<exchange<beast::ssl_stream<beast::tcp_stream>>>(std::move(caller), tls_,
                                                                         std::move(done)));
  else
    run(std::make_shared<exchange<beast::tcp_stream>>(std::move(caller), nullptr, std::move(done)));
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
      r.who = std::make_shared<const telecomx::identity>(std::move(doc.who));
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
