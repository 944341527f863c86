#include "bridge/redis_tls.hpp"

#include <fstream>

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace txrt::bridge {

namespace net = boost::asio;

namespace {

std::shared_ptr<net::ssl::context> fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return nullptr;
}

bool readable(const std::string& file) {
  return static_cast<bool>(std::ifstream(file));
}

}  // namespace

std::shared_ptr<net::ssl::context> make_redis_tls_context(const redis_tls_files& files,
                                                          std::string* error) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                   net::ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(net::ssl::verify_peer);
  boost::system::error_code ec;
  if (files.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return fail(error, "redis-tls-ca-file: the system's CA store: " + ec.message());
  } else {
    if (!readable(files.ca_file))
      return fail(error, "redis-tls-ca-file: cannot read " + files.ca_file);
    ctx->load_verify_file(files.ca_file, ec);
    if (ec)
      return fail(error, "redis-tls-ca-file: " + files.ca_file + " holds no PEM certificate (" +
                             ec.message() + ")");
  }
  if (files.cert_file.empty() != files.key_file.empty())
    return fail(error, files.cert_file.empty() ? "redis-tls-key-file: needs redis-tls-cert-file"
                                               : "redis-tls-cert-file: needs redis-tls-key-file");
  if (files.cert_file.empty()) return ctx;
  if (!readable(files.cert_file))
    return fail(error, "redis-tls-cert-file: cannot read " + files.cert_file);
  ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec)
    return fail(error, "redis-tls-cert-file: " + files.cert_file + " holds no PEM certificate (" +
                           ec.message() + ")");
  if (!readable(files.key_file))
    return fail(error, "redis-tls-key-file: cannot read " + files.key_file);
  // An encrypted key fails here rather than OpenSSL asking for its pass phrase on the terminal.
  ctx->set_password_callback(
      [](std::size_t, net::ssl::context::password_purpose) { return std::string(); });
  ctx->use_private_key_file(files.key_file, net::ssl::context::pem, ec);
  if (ec && ec.message().find("key values mismatch") != std::string::npos)
    return fail(error, "redis-tls-key-file: " + files.key_file +
                           " is not the key of redis-tls-cert-file's certificate");
  if (ec)
    return fail(error, "redis-tls-key-file: " + files.key_file + " holds no PEM private key (" +
                           ec.message() + ")");
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return fail(error, "redis-tls-key-file: " + files.key_file +
                           " is not the key of redis-tls-cert-file's certificate");
  return ctx;
}

std::string tls_failure(const boost::system::error_code& ec, SSL* ssl, const std::string& host) {
  // Boost says "certificate verify failed (SSL routines)"; OpenSSL knows why. A name that does
  // not match is refused by host_name_verification, which leaves no reason of its own.
  std::string why = ec.message();
  if (!why.starts_with("certificate verify failed")) return why;
  const long verify = SSL_get_verify_result(ssl);
  return "certificate verify failed (" +
         (verify != X509_V_OK && verify != X509_V_ERR_UNSPECIFIED
              ? std::string(X509_verify_cert_error_string(verify))
              : "the certificate does not name " + host) +
         ")";
}

}  // namespace txrt::bridge
