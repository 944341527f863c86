// telecomx::http_validator against a small in-process Beast server that answers like Telecom X's
// /auth/validateToken (200 + identity for a good token bound to its IP, 403 otherwise), plus
// paths that misbehave: 500, a non-JSON 200, and one that never answers.
#include "app/http_validator.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include "tests/redis/redis_process.hpp"

using namespace std::chrono_literals;
using txrt::telecomx::access_level;
using txrt::auth::auth_error;
using txrt::auth::auth_result;
using txrt::telecomx::http_validator;
using txrt::test::run_until;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

const std::string special_token = "a b&c=d+e/?%#\xc3\xa9";

class fake_auth_server {
 public:
  fake_auth_server() : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
    do_accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~fake_auth_server() {
    io_.stop();
    thread_.join();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }
  std::string last_target() {
    std::lock_guard lock(mutex_);
    return last_target_;
  }

 private:
  struct session : std::enable_shared_from_this<session> {
    session(tcp::socket s, fake_auth_server& server) : socket(std::move(s)), owner(server) {}
    tcp::socket socket;
    fake_auth_server& owner;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;

    void run() {
      http::async_read(socket, buffer, request,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (!ec) self->answer();
                       });
    }
    void answer() {
      std::string target(request.target());
      {
        std::lock_guard lock(owner.mutex_);
        owner.last_target_ = target;
      }
      auto u = boost::urls::parse_origin_form(target);
      const std::string path = u ? std::string(u->path()) : "";
      if (path == "/hang") {
        owner.hung_.push_back(shared_from_this());  // holds the socket open, never answers
        return;
      }
      std::string token, ip;
      if (u) {
        for (auto p : u->params()) {
          if (p.key == "token") token = p.value;
          if (p.key == "ip") ip = p.value;
        }
      }
      unsigned status = 403;
      std::string body = R"({"success":false,"message":"invalid token"})";
      if (path == "/status500") {
        status = 500;
        body = "oops";
      } else if (path == "/garbage") {
        status = 200;
        body = "<html>not json</html>";
      } else if (path == "/auth/validateToken" && ip == "10.0.0.1") {
        if (token == "good") {
          status = 200;
          body = R"({"success":true,"employee":"e1","customer":"c1","accessLevel":"OWNER",)"
                 R"("name":"Ann"})";
        } else if (token == special_token) {
          status = 200;
          body = R"({"success":true,"employee":"special","customer":"c1","accessLevel":"ADMIN"})";
        } else if (token == "nologin") {
          status = 200;
          body = R"({"success":true,"employee":"e2","customer":"c1","accessLevel":"NO_LOGIN"})";
        } else if (token == "falsy") {
          status = 200;
          body = R"({"success":false})";
        }
      }
      response.result(status);
      response.version(11);
      response.set(http::field::content_type, "application/json");
      response.body() = body;
      response.prepare_payload();
      http::async_write(socket, response,
                        [self = shared_from_this()](beast::error_code, std::size_t) {
                          beast::error_code ignored;
                          self->socket.shutdown(tcp::socket::shutdown_send, ignored);
                        });
    }
  };

  void do_accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<session>(std::move(s), *this)->run();
      do_accept();
    });
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<session>> hung_;  // server thread only
  std::thread thread_;
  std::mutex mutex_;
  std::string last_target_;
};

auth_result validate(http_validator& v, net::io_context& io, std::string token,
                     std::string ip = "10.0.0.1") {
  std::optional<auth_result> out;
  v.validate({std::move(token), std::move(ip)}, io.get_executor(),
             [&](auth_result r) { out = std::move(r); });
  REQUIRE(run_until(
      io, [&] { return out.has_value(); }, 5s));
  return *out;
}

}  // namespace

TEST_CASE("http validator: Telecom X answers", "[http-validator]") {
  fake_auth_server server;
  net::io_context io;
  http_validator v(server.url("/auth/validateToken"));

  auto r = validate(v, io, "good");
  REQUIRE(r.who);
  CHECK(r.error == auth_error::none);
  CHECK(r.who->employee == "e1");
  CHECK(r.who->customer == "c1");
  CHECK(r.who->level == access_level::owner);
  CHECK(r.who->name == "Ann");
  CHECK(server.last_target() == "/auth/validateToken?token=good&ip=10.0.0.1");

  // The token is bound to its IP: another address gets 403.
  CHECK(validate(v, io, "good", "10.9.9.9").error == auth_error::invalid_token);
  CHECK(validate(v, io, "unknown").error == auth_error::invalid_token);
  CHECK(validate(v, io, "falsy").error == auth_error::invalid_token);
  CHECK(validate(v, io, "nologin").error == auth_error::credentials_invalid);
  CHECK(validate(v, io, "").error == auth_error::credentials_invalid);

  // Every character of the token survives the query string.
  r = validate(v, io, special_token);
  REQUIRE(r.who);
  CHECK(r.who->employee == "special");
}

TEST_CASE("http validator: a base URL with its own query keeps it", "[http-validator]") {
  fake_auth_server server;
  net::io_context io;
  http_validator v(server.url("/auth/validateToken?app=rt"));
  CHECK(validate(v, io, "good").who);
  CHECK(server.last_target() == "/auth/validateToken?app=rt&token=good&ip=10.0.0.1");
}

TEST_CASE("http validator: outages are unavailable", "[http-validator]") {
  fake_auth_server server;
  net::io_context io;

  SECTION("5xx") {
    http_validator v(server.url("/status500"));
    CHECK(validate(v, io, "good").error == auth_error::unavailable);
  }
  SECTION("200 with a body that is not JSON") {
    http_validator v(server.url("/garbage"));
    CHECK(validate(v, io, "good").error == auth_error::unavailable);
  }
  SECTION("no answer: the deadline") {
    http_validator v(server.url("/hang"), 300ms);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(validate(v, io, "good").error == auth_error::unavailable);
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= 250ms);
    CHECK(waited < 1500ms);
  }
  SECTION("nothing listening") {
    http_validator v("http://127.0.0.1:" + std::to_string(txrt::test::free_port()) + "/x");
    CHECK(validate(v, io, "good").error == auth_error::unavailable);
  }
}

TEST_CASE("http validator: bad configuration fails at construction", "[http-validator]") {
  CHECK_THROWS_AS(http_validator("ftp://auth.example/validate"), std::invalid_argument);
  CHECK_THROWS_AS(http_validator("https://auth.example/validate", 2000ms, "/nonexistent/ca.pem"),
                  std::invalid_argument);
  CHECK_NOTHROW(http_validator("https://auth.example/validate"));  // the system's CA store
  CHECK_THROWS_AS(http_validator("not a url"), std::invalid_argument);
  CHECK_THROWS_AS(http_validator("http:///nohost"), std::invalid_argument);
  CHECK_NOTHROW(http_validator("http://auth.example/validate"));
}

TEST_CASE("http validator: interpret()", "[http-validator]") {
  CHECK(http_validator::interpret(401, "").error == auth_error::invalid_token);
  CHECK(http_validator::interpret(403, "{}").error == auth_error::invalid_token);
  CHECK(http_validator::interpret(404, "").error == auth_error::unavailable);
  CHECK(http_validator::interpret(502, "").error == auth_error::unavailable);
  CHECK(http_validator::interpret(200, R"({"employee":"e"})").error == auth_error::unavailable);
  auto r = http_validator::interpret(
      200, R"({"success":true,"employee":7,"customer":"c","accessLevel":"VIEWER"})");
  REQUIRE(r.who);
  CHECK(r.who->employee == "7");
  CHECK(r.who->level == access_level::viewer);
}
