#include "app/request_delivery.hpp"

#include "app/client.hpp"
#include "app/employee_index.hpp"

namespace txrt::telecomx {

request_delivery::request_delivery(server::loop_pool& loops, std::vector<employee_index*> employees)
    : loops_(loops), employees_(std::move(employees)) {}

void request_delivery::deliver(const std::string& employee, const std::string& instance_id,
                               const engine::outgoing& frame) {
  loops_.post_to_each([this, employee, instance_id, frame](std::size_t i) {
    if (i >= employees_.size()) return;
    for (client* c : employees_[i]->clients_of(employee)) {
      if (!c->socket) continue;
      if (!instance_id.empty() && c->reported.instance_id() != instance_id) continue;
      c->socket->send_encoded(frame);
    }
  });
}

}  // namespace txrt::telecomx
