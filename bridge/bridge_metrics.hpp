#pragma once
// The bridge's metrics (GET /metrics): the Redis connections.
#include "metrics/registry.hpp"

namespace txrt::metrics {

extern family<gauge> redis_connected;
extern family<counter> redis_reconnects;
extern family<counter> redis_failovers;

}  // namespace txrt::metrics
