#include "server/http/respond_and_close.hpp"

#include <memory>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/write.hpp>

namespace txrt::http {

namespace {
struct one_answer {
  boost::beast::basic_stream<boost::asio::ip::tcp, server::loop_executor> stream;
  response res;
};
}  // namespace

void respond_and_close(server::tcp_socket socket, response res) {
  res.keep_alive(false);
  res.prepare_payload();
  auto state = std::make_shared<one_answer>(one_answer{decltype(one_answer::stream)(std::move(socket)),
                                                       std::move(res)});
  state->stream.expires_after(std::chrono::seconds(5));
  beast_http::async_write(state->stream, state->res,
                          [state](boost::beast::error_code, std::size_t) {
                            boost::beast::error_code ignored;
                            state->stream.socket().shutdown(
                                boost::asio::ip::tcp::socket::shutdown_both, ignored);
                            state->stream.close();
                          });
}

}  // namespace txrt::http
