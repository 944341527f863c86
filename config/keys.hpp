#pragma once
// The configuration keys: name, --help text and how a value turns into a settings field. Internal
// to config/; the rest of the program uses config::parse().
#include "config/config.hpp"

#include <span>
#include <string>
#include <string_view>

namespace txrt::config::detail {

// Converts `value` into its settings field. Returns "" when the value is accepted, else why it
// is not; the caller adds the key and where the value came from.
using apply_fn = std::string (*)(settings&, const std::string& value);

struct key_spec {
  const char* name;          // as a flag (--name), file key, and TXRT_NAME in the environment
  const char* group;         // --help section; keys of one group are adjacent in keys()
  const char* value_name;    // e.g. HOST:PORT in --help
  const char* default_text;  // shown by --help; must describe settings's member initialiser
  const char* meaning;
  apply_fn apply;
};

// Every key, in --help order.
std::span<const key_spec> keys();

// "ping-interval-ms" -> "TXRT_PING_INTERVAL_MS".
std::string env_name(std::string_view key);

}  // namespace txrt::config::detail
