#pragma once
// The TCP socket and acceptor types of every connection the server accepts, from the listener
// through the HTTP connection to the WebSocket transport.
//
// Why not net::ip::tcp::socket: its executor is any_io_executor, a type-erased executor of
// ~48 bytes stored in every socket and copied into every operation started on it (the pending
// read wait of each idle WebSocket, ~5000 of them for 5000 sessions). Every socket here lives
// on one loop, an io_context, whose own executor is a single pointer: a socket is 40 bytes
// instead of 88, and each pending wait is smaller by the same copies. An
// io_context::executor_type still converts to any_io_executor wherever one is asked for.
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace txrt::server {

using loop_executor = boost::asio::io_context::executor_type;
using tcp_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, loop_executor>;
using tcp_acceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, loop_executor>;

}  // namespace txrt::server
