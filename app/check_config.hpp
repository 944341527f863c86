#pragma once
// The start-up checks, shared by the application's start-up and by txrt --check-config (for
// operators and CI), so that the two cannot disagree about what is a configuration that works.
//
// validate() runs every check that needs no network: config::validate() (the keys against each
// other), then the probes: listen parses into an address and port, the redis URL parses,
// auth=http has an http:// auth-url, the tokens file loads when auth or directory is file,
// tls-cert and tls-key load and match (server::tls::check_files). Start-up runs
// config::validate() and the same probes as it builds (load_tokens, make_http_validator; the
// runtime loads the TLS pair), which is why they live here.
#include <chrono>
#include <memory>
#include <string>

#include "auth/file_store.hpp"
#include "config/config.hpp"

namespace txrt::telecomx {

class http_validator;

// "" when `cfg` can start, else an error that begins with the offending key ("auth-url: ...").
// Parsing the keys themselves is config::parse()'s job.
std::string validate(const config::settings& cfg);

// Whether the tokens file is needed: auth=file, or the customer directory is the file's.
bool uses_tokens_file(const config::settings& cfg);
// auth-file, or the demo tokens when it is empty.
std::string tokens_file_path(const config::settings& cfg);
// Loads the tokens file; the error (when it does not load) begins with "auth-file: ".
auth::store_load load_tokens(const config::settings& cfg);
// The http validator of auth-url (and auth-ca-file). Throws std::invalid_argument whose message
// begins with "auth-url: " on a URL it cannot use, "auth-ca-file: " on a CA file it cannot read.
std::shared_ptr<http_validator> make_http_validator(const config::settings& cfg,
                                                    std::chrono::milliseconds timeout);

}  // namespace txrt::telecomx
