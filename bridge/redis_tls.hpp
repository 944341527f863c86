#pragma once
// TLS to Redis (rediss://, and redis-tls with Sentinel): the client context that every TLS
// connection of a node shares. Built once at start-up from the configuration, so that a CA file,
// certificate or key that cannot be used stops the start (exit 2) instead of every connect.
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

struct ssl_st;  // OpenSSL's SSL

namespace txrt::bridge {

struct redis_tls_files {
  std::string ca_file;  // PEM CA certificates the server's must verify against; empty: the system's
  std::string cert_file;  // PEM client certificate (chain), for servers with tls-auth-clients yes
  std::string key_file;   // its PEM private key (unencrypted); both or neither
};

// TLS 1.2 or later, the server's certificate verified (against `ca_file`, or the system's trust
// store when it is empty) and, per connection, its name or address checked (redis_connection).
// nullptr and `error` = "<key>: why" when a file cannot be read or does not fit.
std::shared_ptr<boost::asio::ssl::context> make_redis_tls_context(const redis_tls_files& files,
                                                                  std::string* error);

// Why a TLS handshake with `host` failed, for the log: "certificate verify failed (<OpenSSL's
// reason>)", "certificate verify failed (the certificate does not name <host>)", or the error.
std::string tls_failure(const boost::system::error_code& ec, ssl_st* ssl, const std::string& host);

}  // namespace txrt::bridge
