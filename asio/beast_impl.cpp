// Beast is compiled once, here (separate-compilation mode), for the layers that speak HTTP and
// WebSocket through it (server/); the others link Asio alone.
#include <boost/beast/src.hpp>
