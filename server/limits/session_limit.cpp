#include "server/limits/session_limit.hpp"

#include <boost/asio/post.hpp>

#include "server/engine/session.hpp"
#include "server/server_metrics.hpp"

namespace txrt::limits {

namespace {

// Forwards to the real handler and holds the session's slot until the session closes. A
// session refused by the limiter has no real handler: it is closed right after it opens.
class counted_handler final : public engine::session_handler {
 public:
  counted_handler(std::unique_ptr<engine::session_handler> inner, connection_slot slot,
                  std::weak_ptr<engine::session> session)
      : inner_(std::move(inner)), slot_(std::move(slot)), session_(std::move(session)) {
    if (inner_) metrics::connection_slots.get().inc();
  }
  ~counted_handler() override { release(); }

  void on_open() override {
    if (inner_) return inner_->on_open();
    // Not from inside the session's start(): close it once start() has returned.
    if (auto s = session_.lock())
      boost::asio::post(s->loop(), [weak = session_] {
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
    if (!inner_ || released_) return;
    released_ = true;
    slot_.release();
    metrics::connection_slots.get().dec();
  }

  std::unique_ptr<engine::session_handler> inner_;
  connection_slot slot_;
  std::weak_ptr<engine::session> session_;
  bool released_ = false;
};

}  // namespace

engine::handler_factory count_sessions(engine::handler_factory inner, connection_limiter& limiter) {
  return [inner = std::move(inner),
          &limiter](engine::session& s) -> std::unique_ptr<engine::session_handler> {
    const std::string& address = s.remote_address();
    switch (limiter.try_acquire(address)) {
      case admission::admitted:
        return std::make_unique<counted_handler>(inner(s), connection_slot(limiter, address),
                                                 s.weak_from_this());
      case admission::node_full:
        metrics::count_limited(metrics::limit::connections);
        break;
      case admission::address_full:
        metrics::count_limited(metrics::limit::connections_per_ip);
        break;
    }
    return std::make_unique<counted_handler>(nullptr, connection_slot(), s.weak_from_this());
  };
}

}  // namespace txrt::limits
