// connection::admit_later: a CONNECT that waits for its handler's asynchronous admission. The
// packet's views point into a message buffer that is gone by the answer, so the namespace and
// the payload are copied; the answer replays the CONNECT with the state the handler gave.
#include "server/engine/session.hpp"
#include "server/socketio/connection.hpp"

namespace txrt::sio {

void connection::admit_later(namespace_handler& handler, const packet& p) {
  struct replay {
    std::string nsp;
    std::string data;
  };
  auto copy = std::make_shared<replay>(replay{std::string(p.nsp), std::string(p.data)});
  std::weak_ptr<engine::session> weak = session_.shared_from_this();
  admission_request request{p.data.empty() ? std::string_view("{}") : p.data,
                            session_.remote_address(), session_.loop().get_executor()};
  handler.authorize_async(request, [this, weak, copy](std::optional<std::string> refusal,
                                                      std::shared_ptr<void> state) {
    // The session owns this connection: alive and open means `this` is too.
    auto session = weak.lock();
    if (!session || !session->is_open() || closed_) return;
    if (refusal) return connect_error(copy->nsp, *refusal);
    if (!state) return connect_error(copy->nsp, "not admitted");
    packet again;
    again.type = packet_type::connect;
    again.nsp = copy->nsp;
    again.data = copy->data;
    rare().admitted_state = std::move(state);
    connect(again);
    if (rare_) rare_->admitted_state.reset();
  });
}

}  // namespace txrt::sio
