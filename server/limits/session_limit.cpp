#include "server/limits/session_limit.hpp"

#include <utility>

#include <boost/asio/post.hpp>

#include "server/engine/session.hpp"
#include "server/server_metrics.hpp"

namespace txrt::limits {

namespace {

// Forwards to the real handler and holds the session's slot until the session closes. A
// session refused by the limiter has no real handler: it is closed right after it opens.
//
// One per session, so it is kept to four words: the slot is the limiter alone, because its
// address is the session's own remote_address() (fixed before the handler is made, and a
// member of the session that outlives the handler it owns), not a copy; the session is a
// reference (it owns this handler), not a weak_ptr.
class counted_handler final : public engine::session_handler {
 public:
  // `limiter` non-null: the session was admitted and holds a slot for its address.
  counted_handler(std::unique_ptr<engine::session_handler> inner, connection_limiter* limiter,
                  engine::session& session)
      : inner_(std::move(inner)), limiter_(limiter), session_(session) {
    if (limiter_) metrics::connection_slots.get().inc();
  }
  ~counted_handler() override { release(); }

  void on_open() override {
    if (inner_) return inner_->on_open();
    // Not from inside the session's start(): close it once start() has returned.
    boost::asio::post(session_.loop(), [weak = session_.weak_from_this()] {
      if (auto s = weak.lock()) s->close(engine::close_reason::server_close);
    });
  }
  void on_message(std::string_view text) override {
    if (inner_) inner_->on_message(text);
  }
  void on_binary(std::string_view bytes) override {
    if (inner_) inner_->on_binary(bytes);
  }
  void on_close(engine::close_reason reason) override {
    if (inner_) inner_->on_close(reason);
    release();
  }

 private:
  void release() {
    if (!limiter_) return;
    std::exchange(limiter_, nullptr)->release(session_.remote_address());
    metrics::connection_slots.get().dec();
  }

  std::unique_ptr<engine::session_handler> inner_;
  connection_limiter* limiter_;  // null when refused, and once released
  engine::session& session_;
};

}  // namespace

engine::handler_factory count_sessions(engine::handler_factory inner, connection_limiter& limiter) {
  return [inner = std::move(inner),
          &limiter](engine::session& s) -> std::unique_ptr<engine::session_handler> {
    const std::string& address = s.remote_address();
    switch (limiter.try_acquire(address)) {
      case admission::admitted:
        return std::make_unique<counted_handler>(inner(s), &limiter, s);
      case admission::node_full:
        metrics::count_limited(metrics::limit::connections);
        break;
      case admission::address_full:
        metrics::count_limited(metrics::limit::connections_per_ip);
        break;
    }
    return std::make_unique<counted_handler>(nullptr, nullptr, s);
  };
}

}  // namespace txrt::limits
