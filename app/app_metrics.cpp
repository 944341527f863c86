#include "app/app_metrics.hpp"

#include "protocol/telecomx/identity.hpp"
#include "protocol/telecomx/subscription.hpp"

namespace txrt::metrics {

family<counter> recoveries{"txrt_recovery_total",
                           "Connection state recovery attempts, by result.",
                           {"result", recovery_results}};
family<counter> recovery_failures_by_reason{"txrt_recovery_failures_total",
                                            "Failed connection state recoveries, by reason.",
                                            {"reason", recovery_failures}};
family<counter> recovery_replayed{"txrt_recovery_replayed_total",
                                  "Missed events sent to recovered sessions."};
family<gauge> recovery_history_events{"txrt_recovery_history_events",
                                      "Events this node keeps for recovery."};
family<gauge> recovery_history_bytes{
    "txrt_recovery_history_bytes",
    "Bytes of the events this node keeps for recovery (bounded by recovery-buffer-bytes)."};

family<gauge> authenticated_sockets{"txrt_authenticated_sockets",
                                    "Authenticated sockets, by access level.",
                                    {"level", telecomx::access_level_names}};
family<counter> auth_results_total{
    "txrt_auth_total", "Authentications, by result.", {"result", auth_results}};
family<counter> credential_expirations{
    "txrt_credential_expirations_total",
    "Live sockets disconnected because their credential expired."};
family<counter> credential_refreshes{
    "txrt_credential_refreshes_total",
    "Re-authentications as the same employee (token refreshes) on a live socket."};
family<counter> revalidations{"txrt_revalidations_total",
                              "Re-validations of live sockets' tokens, by result.",
                              {"result", revalidation_results}};
family<counter> subscriptions_removed{"txrt_subscriptions_removed_total",
                                      "Subscriptions the server removed, by reason.",
                                      {"reason", removal_reasons}};
family<gauge> subscriptions{"txrt_subscriptions",
                            "Subscriptions held, by type.",
                            {"type", telecomx::subscription_type_names}};
family<counter> events_in{"txrt_events_in_total",
                          "Events received from the bus, by type.",
                          {"type", telecomx::event_type_names}};
family<counter> events_dropped{"txrt_events_dropped_total",
                               "Bus messages dropped before delivery, by reason.",
                               {"reason", drop_reasons}};
family<counter> events_customer_mismatch{
    "txrt_events_customer_mismatch_total",
    "Events delivered whose payload customer differs from their channel's (routing uses the "
    "channel's), by type.",
    {"type", telecomx::event_type_names}};
family<counter> deliveries{"txrt_deliveries_total", "Events queued on a subscribed socket."};
family<counter> requests{"txrt_requests_total",
                         "Request and reply messages, by result.",
                         {"kind", request_kinds},
                         {"result", request_results}};
histogram validator_duration{"txrt_validator_duration_seconds",
                             "Round trips of the redis and http token validators.",
                             validator_buckets};

}  // namespace txrt::metrics
