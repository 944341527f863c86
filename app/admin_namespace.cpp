#include "app/admin_namespace.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "app/admin_hub.hpp"
#include "app/admin_metrics.hpp"
#include "auth/bcrypt.hpp"
#include "auth/validator.hpp"
#include "bridge/channels.hpp"
#include "bridge/kv_store.hpp"
#include "protocol/json.hpp"
#include "protocol/log_text.hpp"
#include "protocol/telecomx/admin_messages.hpp"
#include "server/server_metrics.hpp"
#include "server/socketio/socket.hpp"
#include "server/util/random_id.hpp"

namespace txrt::telecomx {

namespace {

// What the UI shows on the login form when it reads this message.
constexpr std::string_view invalid_credentials = "invalid credentials";
constexpr std::string_view too_many_attempts = "too many login attempts, try again later";

// The state of a logged-in admin socket (its app_state).
struct admin_session {
  std::string who;          // the employee, or admin-username
  std::string how;          // "token", "password" or "session"
  std::string new_session;  // set after a password or token login: sent as "session"
  std::string address;
  std::size_t loop = 0;
};

admin_session* session_of(const std::shared_ptr<sio::socket>& s) {
  return static_cast<admin_session*>(s->app_state.get());
}

void admit(const sio::admission_done& done, std::string who, std::string how, std::string address) {
  metrics::count_admin_login(metrics::admin_login_result::success);
  auto session = std::make_shared<admin_session>();
  session->who = std::move(who);
  session->how = std::move(how);
  session->address = std::move(address);
  if (session->how != "session") session->new_session = util::random_id(16);
  done(std::nullopt, std::move(session));
}

void refuse(const sio::admission_done& done, metrics::admin_login_result why,
            std::string_view address) {
  metrics::count_admin_login(why);
  spdlog::warn("admin ui: login refused from {} ({})", protocol::log_text(address),
               metrics::admin_login_results[static_cast<std::size_t>(why)]);
  done(std::string(why == metrics::admin_login_result::rate_limited ? too_many_attempts
                                                                    : invalid_credentials),
       nullptr);
}

void count_command(admin_command_kind kind, metrics::admin_command_result r) {
  metrics::count_admin_command(static_cast<std::size_t>(kind), r);
}

}  // namespace

constexpr int max_hashing = 8;

admin_namespace::admin_namespace(admin_namespace_deps deps) : deps_(std::move(deps)) {}

admin_namespace::~admin_namespace() {
  hasher_.join();
}

void admin_namespace::authorize_async(const sio::admission_request& request,
                                      sio::admission_done done) {
  const std::string address = request.remote_address;
  const auto now = limits::clock::now();
  if (!deps_.attempts->try_take(address, now) ||
      (deps_.auth_per_address && !deps_.auth_per_address->try_take(address, now))) {
    metrics::count_limited(metrics::limit::auth_per_ip);
    return refuse(done, metrics::admin_login_result::rate_limited, address);
  }
  auto login = parse_admin_login(request.auth);
  if (!login) return refuse(done, metrics::admin_login_result::malformed, address);
  if (login->password.empty() && !login->session_id.empty() && deps_.store)
    return check_session(request, login->session_id, std::move(done));
  if (deps_.username.empty() || login->username != deps_.username)
    return check_token(request, std::move(login->password), std::move(done));
  if (++hashing_ > max_hashing) {
    --hashing_;
    return refuse(done, metrics::admin_login_result::rate_limited, address);
  }
  // The hash on the hasher's thread; the answer, or the token check, back on the loop.
  // request_copy.auth is not read past this point (it views the CONNECT packet).
  boost::asio::post(hasher_, [this, request_copy = request, login = std::move(*login),
                              done = std::move(done)]() mutable {
    const bool match = auth::bcrypt_matches(login.password, deps_.password_hash);
    --hashing_;
    boost::asio::post(
        request_copy.executor, [this, match, request_copy, password = std::move(login.password),
                                done = std::move(done)]() mutable {
          if (match) return admit(done, deps_.username, "password", request_copy.remote_address);
          check_token(request_copy, std::move(password), std::move(done));
        });
  });
}

void admin_namespace::check_session(const sio::admission_request& request, const std::string& id,
                                    sio::admission_done done) {
  // The store answers on its own loop: the admission goes back to the session's.
  deps_.store->get(bridge::admin_session_key(deps_.prefix, id),
                   [ex = request.executor, address = request.remote_address,
                    done = std::move(done)](bridge::kv_value v) mutable {
                     boost::asio::post(ex, [v = std::move(v), address, done = std::move(done)] {
                       if (!v.ok || !v.value || v.value->empty())
                         return refuse(done, metrics::admin_login_result::invalid_credentials,
                                       address);
                       admit(done, *v.value, "session", address);
                     });
                   });
}

void admin_namespace::check_token(const sio::admission_request& request, std::string token,
                                  sio::admission_done done) {
  const std::string address = request.remote_address;
  if (!deps_.validator || token.empty())
    return refuse(done, metrics::admin_login_result::invalid_credentials, address);
  // The password as an ADMIN token, bound to the address it comes from like authenticate's.
  auth::auth_request check{std::move(token), address};
  deps_.validator->validate(
      check, request.executor, [done = std::move(done), address](auth::auth_result r) {
        if (!r.who || r.who->level != access_level::admin)
          return refuse(done, metrics::admin_login_result::invalid_credentials, address);
        admit(done, r.who->employee, "token", address);
      });
}

// What the UI may offer, as the reference's detectSupportedFeatures: EMIT, JOIN and LEAVE with
// admin-ui-write (one socket each time: the UI's own buttons; MJOIN / MLEAVE, a room's sockets
// at once, are not offered), DISCONNECT and MDISCONNECT with admin-ui-disconnect.
// AGGREGATED_EVENTS always (server_stats' aggregatedEvents). ALL_EVENTS too, though txrt sends
// no event_received / event_sent (one message per packet per socket to every admin socket,
// on the fan-out's hot path): the UI reads it as "the server sends every socket's lifecycle"
// (socket_connected, room_joined, ...), which txrt does, and without it the UI hides its
// Sockets, Rooms and Clients pages.
std::string admin_namespace::config_json() const {
  std::string features = "[";
  auto add = [&](std::string_view f) {
    if (features.size() > 1) features += ',';
    protocol::json::append_string(f, features);
  };
  if (deps_.write_enabled) {
    add("EMIT");
    add("JOIN");
    add("LEAVE");
  }
  if (deps_.disconnect_enabled) {
    add("DISCONNECT");
    add("MDISCONNECT");
  }
  add("AGGREGATED_EVENTS");
  add("ALL_EVENTS");
  return "{\"supportedFeatures\":" + features + "]}";
}

void admin_namespace::on_connect(const std::shared_ptr<sio::socket>& s, std::string_view) {
  auto* session = session_of(s);
  if (!session) return s->disconnect();  // admitted without a session: cannot happen
  std::size_t loop = deps_.loops->current_index();
  if (loop >= deps_.loops->size()) loop = 0;
  session->loop = loop;
  spdlog::info("admin ui: {} logged in ({}) from {}", protocol::log_text(session->who),
               session->how, protocol::log_text(session->address));
  if (!session->new_session.empty() && deps_.store) {
    deps_.store->set(bridge::admin_session_key(deps_.prefix, session->new_session), session->who,
                     deps_.session_ttl, nullptr);
    std::string id;
    protocol::json::append_string(session->new_session, id);
    s->emit("session", id);
  }
  deps_.hub->add_admin(loop, s);
  s->emit("config", config_json());
  deps_.hub->request_sockets(s);
}

void admin_namespace::on_event(const std::shared_ptr<sio::socket>& s, const sio::event& e) {
  auto* session = session_of(s);
  if (!session) return;
  auto kind = parse_admin_command_name(e.name);
  if (!kind) return;  // other events are ignored, as socket.io ignores unknown events
  const std::string who = protocol::log_text(session->who);
  const bool allowed =
      *kind == admin_command_kind::disconnect ? deps_.disconnect_enabled : deps_.write_enabled;
  if (!allowed) {
    count_command(*kind, metrics::admin_command_result::disabled);
    spdlog::warn("admin ui: {} refused for {} (read-only: its key is off)", to_string(*kind), who);
    return;
  }
  auto command = parse_admin_command(*kind, e.args);
  const bool membership = *kind == admin_command_kind::join || *kind == admin_command_kind::leave;
  // join / leave name one socket of the main namespace (the UI's buttons send its id) and a
  // room that is a subscription key; the rest is refused here, before any node looks.
  if (!command || (membership && (command->nsp != "/" || command->filter.empty() ||
                                  !parse_room_key(command->room)))) {
    count_command(*kind, metrics::admin_command_result::invalid);
    spdlog::warn("admin ui: malformed {} from {}", to_string(*kind), who);
    return;
  }
  command->by = session->who;
  if (membership) {
    spdlog::info("admin ui: {} gives {} room={} socket={}", who, to_string(*kind),
                 protocol::log_text(command->room), protocol::log_text(command->filter));
    return deps_.hub->request_membership(std::move(*command));  // counted when decided
  }
  count_command(*kind, metrics::admin_command_result::done);
  spdlog::info("admin ui: {} gives {} nsp={} filter={}{}", who, to_string(*kind),
               protocol::log_text(command->nsp), protocol::log_text(command->filter),
               command->event.empty() ? "" : " event=" + protocol::log_text(command->event));
  deps_.hub->publish_command(*command);
}

void admin_namespace::on_disconnect(const std::shared_ptr<sio::socket>& s, sio::disconnect_reason) {
  auto* session = session_of(s);
  if (!session) return;
  deps_.hub->remove_admin(session->loop, *s);
  s->app_state.reset();
}

}  // namespace txrt::telecomx
