#pragma once
// The configuration keys: name, --help text and how a value turns into a Config field. Internal
// to config/; the rest of the program uses config::parse().
#include "config/config.hpp"

#include <span>
#include <string>
#include <string_view>

namespace txrt::config::detail {

// Converts `value` into its Config field. Returns "" when the value is accepted, else why it
// is not; the caller adds the key and where the value came from.
using Apply = std::string (*)(Config&, const std::string& value);

struct Key {
  const char* name;          // as a flag (--name), file key, and TXRT_NAME in the environment
  const char* group;         // --help section; keys of one group are adjacent in keys()
  const char* value_name;    // e.g. HOST:PORT in --help
  const char* default_text;  // shown by --help; must describe Config's member initialiser
  const char* meaning;
  Apply apply;
};

// Every key, in --help order.
std::span<const Key> keys();

// "ping-interval-ms" -> "TXRT_PING_INTERVAL_MS".
std::string env_name(std::string_view key);

}  // namespace txrt::config::detail
