#pragma once
// Writes one HTTP answer on a connection that no longer has an HTTP session (e.g. a refused
// WebSocket upgrade handed to the engine), then closes it.
#include <boost/asio/ip/tcp.hpp>

#include "server/http/message.hpp"

namespace txrt::http {

void respond_and_close(boost::asio::ip::tcp::socket socket, response res);

}  // namespace txrt::http
