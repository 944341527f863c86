#pragma once
// txrt --check-config: the start-up checks that need no network, for operators and CI.
#include <string>

#include "config/config.hpp"

namespace txrt::telecomx {

// "" when `cfg` can start, else an error that begins with the offending key ("auth-url: ...").
// Checks: listen parses into an address and port, auth=http has an http:// auth-url, the
// redis URL parses (and is set when auth or directory is redis), the tokens file loads when
// auth or directory is file. Parsing the keys themselves is config::parse()'s job.
std::string check_config(const config::settings& cfg);

}  // namespace txrt::telecomx
