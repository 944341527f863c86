#include "server/metrics/metrics.hpp"

namespace txrt::metrics {

// One translation unit, so the registry renders them in this order.
family<gauge> connections{"txrt_connections",
                          "Engine.IO sessions open now, by transport.",
                          {"transport", transports},
                          {"protocol", protocols}};
family<counter> connections_opened{"txrt_connections_opened_total", "Engine.IO sessions opened."};
family<counter> connections_closed{"txrt_connections_closed_total",
                                   "Engine.IO sessions closed, by reason.",
                                   {"reason", close_reasons}};
family<gauge> outbound_queue_bytes{"txrt_outbound_queue_bytes",
                                   "Bytes queued for clients and not yet written."};
family<gauge> authenticated_sockets{"txrt_authenticated_sockets",
                                    "Authenticated sockets, by access level.",
                                    {"level", access_levels}};
family<counter> auth_results_total{
    "txrt_auth_total", "Authentications, by result.", {"result", auth_results}};
family<gauge> subscriptions{
    "txrt_subscriptions", "Subscriptions held, by type.", {"type", subscription_types}};
family<counter> events_in{
    "txrt_events_in_total", "Events received from the bus, by type.", {"type", event_types}};
family<counter> events_dropped{"txrt_events_dropped_total",
                               "Bus messages dropped before delivery, by reason.",
                               {"reason", drop_reasons}};
family<counter> deliveries{"txrt_deliveries_total", "Events queued on a subscribed socket."};
family<counter> requests{"txrt_requests_total",
                         "Request and reply messages, by result.",
                         {"kind", request_kinds},
                         {"result", request_results}};
family<counter> limited{"txrt_limited_total",
                        "Connections, sessions and messages refused by a limit, by limit.",
                        {"limit", limit_names}};
family<counter> http_refused{"txrt_http_refused_total",
                             "HTTP requests refused before any handler, by reason.",
                             {"reason", http_refusals}};
family<gauge> connection_slots{
    "txrt_connection_slots",
    "HTTP connections plus Engine.IO sessions open now, as max-connections counts them."};
family<gauge> redis_connected{"txrt_redis_connected",
                              "1 while the Redis bus is connected and subscribed, else 0."};
family<counter> redis_reconnects{"txrt_redis_reconnects_total",
                                 "Redis connections re-established after a loss."};
histogram validator_duration{"txrt_validator_duration_seconds",
                             "Round trips of the redis and http token validators.",
                             validator_buckets};

}  // namespace txrt::metrics
