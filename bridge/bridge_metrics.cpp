#include "bridge/bridge_metrics.hpp"

namespace txrt::metrics {

family<gauge> redis_connected{"txrt_redis_connected",
                              "1 while the Redis bus is connected and subscribed, else 0."};
family<counter> redis_reconnects{"txrt_redis_reconnects_total",
                                 "Redis connections re-established after a loss."};
family<counter> redis_failovers{"txrt_redis_failovers_total",
                                "Redis master switches seen (Sentinel: a new master address)."};

}  // namespace txrt::metrics
