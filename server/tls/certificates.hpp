#pragma once
// The listener's TLS certificate and key (tls-cert / tls-key), as an OpenSSL server context that
// new connections take. Loaded at start-up (a bad file fails the start, exit 2) and again on
// SIGHUP: a new certificate serves the connections accepted from then on, while every live
// connection keeps the context it was accepted with (its stream holds a reference); a file that
// does not load on SIGHUP keeps the previous certificate. The only file that configures
// OpenSSL for the listener: TLS 1.2 and later, OpenSSL's default cipher lists.
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace txrt::server::tls {

namespace ssl = boost::asio::ssl;

// A server context with `cert_file` (PEM chain, the server's certificate first) and `key_file`
// (its PEM private key), or null and why not in `error`, which begins with the key at fault
// ("tls-key: does not match the certificate of tls-cert ...").
struct loaded_context {
  std::shared_ptr<ssl::context> context;
  std::string error;
  explicit operator bool() const noexcept { return context != nullptr; }
};
loaded_context load_server_context(const std::string& cert_file, const std::string& key_file);

// "" when tls-cert and tls-key are both empty (no TLS) or both load and match; else why not.
// --check-config's and start-up's check.
std::string check_files(const std::string& cert_file, const std::string& key_file);

class certificates {
 public:
  // Throws std::runtime_error (the message names the key) when the files do not load:
  // start-up fails fast.
  certificates(std::string cert_file, std::string key_file);

  // The context for a connection accepted now. Any thread.
  std::shared_ptr<ssl::context> current() const;
  // Reads the files again. "" on success; else why not, and the current context stays.
  // Any thread.
  std::string reload();

  const std::string& cert_file() const noexcept { return cert_file_; }

 private:
  const std::string cert_file_;
  const std::string key_file_;
  // Taken once per accepted connection and per reload: never on a connection's hot path.
  mutable std::mutex mutex_;
  std::shared_ptr<ssl::context> current_;
};

}  // namespace txrt::server::tls
