// Asio's OpenSSL support is compiled once, here (separate-compilation mode), for the https
// token validator (app/http_validator.cpp) and Redis over TLS (bridge/redis_connection.cpp);
// txrt_bridge and txrt_app link it and OpenSSL.
#include <boost/asio/ssl/impl/src.hpp>
