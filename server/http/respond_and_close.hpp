#pragma once
// Writes one HTTP answer on a connection that no longer has an HTTP session (e.g. a refused
// WebSocket upgrade handed to the engine), then closes it.
#include "server/tcp_socket.hpp"

#include "server/http/message.hpp"

namespace txrt::http {

void respond_and_close(server::tcp_socket socket, response res);

}  // namespace txrt::http
