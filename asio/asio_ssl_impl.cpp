// Asio's OpenSSL support is compiled once, here (separate-compilation mode), for the https
// token validator (app/http_validator.cpp); only txrt_app links it and OpenSSL.
#include <boost/asio/ssl/impl/src.hpp>
