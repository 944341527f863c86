#pragma once
// spdlog set-up: the level and the line format (text, or one JSON object per line for log
// collectors). Logs are for operators: no token ever reaches them (callers log digests or
// indexes, never a token).
#include <string>

#include "config/config.hpp"

namespace txrt::server {

// Sets up spdlog from the configuration (level and format). Call once, first.
void setup_logging(const config::settings& cfg);

// Applies a log level given by name ("info", ...); logs the change. Returns false (and logs
// an error) for an unknown name. Thread-safe (spdlog's level is atomic).
bool apply_log_level(const std::string& level);

}  // namespace txrt::server
