#include "server/tls/certificates.hpp"

#include <fstream>
#include <stdexcept>

#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace txrt::server::tls {

namespace {

// OpenSSL's reason for the last failure, else Asio's message.
std::string reason(const boost::system::error_code& ec) {
  std::string text = ec.message();
  if (const unsigned long e = ERR_peek_last_error(); e != 0) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

bool readable(const std::string& file) {
  return std::ifstream(file).good();
}

}  // namespace

loaded_context load_server_context(const std::string& cert_file, const std::string& key_file) {
  if (!readable(cert_file)) return {nullptr, "tls-cert: cannot read file '" + cert_file + "'"};
  if (!readable(key_file)) return {nullptr, "tls-key: cannot read file '" + key_file + "'"};
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  // TLS 1.2 and later only; OpenSSL's default cipher lists and suites (its security level
  // already refuses the weak ones) rather than a list of our own that would age.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // An idle connection gives its record buffers back to OpenSSL's allocator (thousands of
  // idle WebSockets are the normal case here).
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  ERR_clear_error();
  context->use_certificate_chain_file(cert_file, ec);
  if (ec)
    return {nullptr, "tls-cert: '" + cert_file + "' is not a PEM certificate chain: " + reason(ec)};
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  // OpenSSL checks the key against the certificate as it loads it.
  // (Asio took the first error of OpenSSL's queue into `ec`.)
  if (ec && ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
    ec = {};
  if (ec) return {nullptr, "tls-key: '" + key_file + "' is not a PEM private key: " + reason(ec)};
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return {nullptr, "tls-key: '" + key_file + "' does not match the certificate in tls-cert '" +
                         cert_file + "'"};
  }
  return {std::move(context), {}};
}

std::string check_files(const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() && key_file.empty()) return {};
  if (cert_file.empty()) return "tls-cert: required with tls-key (give both or neither)";
  if (key_file.empty()) return "tls-key: required with tls-cert (give both or neither)";
  return load_server_context(cert_file, key_file).error;
}

certificates::certificates(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {
  auto loaded = load_server_context(cert_file_, key_file_);
  if (!loaded) throw std::runtime_error(loaded.error);
  current_ = std::move(loaded.context);
}

std::shared_ptr<ssl::context> certificates::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::string certificates::reload() {
  // Loaded outside the lock: accepts go on with the old context meanwhile.
  auto loaded = load_server_context(cert_file_, key_file_);
  if (!loaded) return loaded.error;
  std::lock_guard lock(mutex_);
  current_ = std::move(loaded.context);
  return {};
}

}  // namespace txrt::server::tls
