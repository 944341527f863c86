#include "server/limits/session_limit.hpp"

#include "server/engine/session.hpp"
#include "server/server_metrics.hpp"

namespace txrt::limits {

bool session_limit::admit(const engine::session& s) {
  switch (limiter_.try_acquire(s.remote_address())) {
    case admission::admitted:
      metrics::connection_slots.get().inc();
      return true;
    case admission::node_full:
      metrics::count_limited(metrics::limit::connections);
      break;
    case admission::address_full:
      metrics::count_limited(metrics::limit::connections_per_ip);
      break;
  }
  return false;
}

void session_limit::release(const engine::session& s) noexcept {
  limiter_.release(s.remote_address());
  metrics::connection_slots.get().dec();
}

}  // namespace txrt::limits
