#include "server/server_metrics.hpp"

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
family<gauge> io_uring_loops{
    "txrt_io_uring_loops",
    "Event loops that hand their WebSocket writes to io_uring (io-uring; 0 where it is off or "
    "the kernel refuses it, and the loops call sendmsg per socket)."};
family<counter> io_uring_sends{"txrt_io_uring_sends_total",
                               "WebSocket sends submitted through io_uring."};
family<counter> limited{"txrt_limited_total",
                        "Connections, sessions and messages refused by a limit, by limit.",
                        {"limit", limit_names}};
family<counter> http_refused{"txrt_http_refused_total",
                             "HTTP requests refused before any handler, by reason.",
                             {"reason", http_refusals}};
family<counter> tls_handshakes{"txrt_tls_handshakes_total",
                               "TLS handshakes on the listener (tls-cert), by result.",
                               {"result", tls_results}};
family<gauge> connection_slots{
    "txrt_connection_slots",
    "HTTP connections plus Engine.IO sessions open now, as max-connections counts them."};

}  // namespace txrt::metrics
