// The app's Admin UI parts: the hub (every node's stats and sockets), the /admin namespace and
// the UI's files at /admin/. Off with admin-ui false, and where no one could log in (a listen
// that is not loopback and no admin-password-hash: config::admin_ui_enabled).
#include <unistd.h>

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "app/admin_hub.hpp"
#include "app/admin_namespace.hpp"
#include "app/admin_ui_files.hpp"
#include "app/app.hpp"
#include "app/lifecycle.hpp"
#include "auth/bcrypt.hpp"
#include "bridge/kv_store.hpp"

namespace txrt::telecomx {

namespace {

// Addresses whose admin login attempts are tracked at most (as for authenticate's).
constexpr std::size_t admin_attempt_addresses = 10000;

}  // namespace

void app::register_admin() {
  if (!cfg_.admin_password_hash.empty() && !auth::is_bcrypt_hash(cfg_.admin_password_hash))
    throw std::runtime_error(
        "admin-password-hash: not a bcrypt hash ($2b$<cost>$ and 53 characters)");
  if (!config::admin_ui_enabled(cfg_)) {
    if (cfg_.admin_ui)
      spdlog::info("admin ui off: listen {} is not loopback and no admin-password-hash is set",
                   cfg_.listen);
    return;
  }
  admin_hub_deps deps;
  deps.loops = &rt_.loops();
  deps.bus = bus_.get();
  deps.prefix = cfg_.prefix;
  // Nodes on one host without a server-name still differ: by process id, as the reference does
  // for cluster workers.
  deps.server_id = cfg_.server_name.empty()
                       ? server_name_ + "#" + std::to_string(::getpid())
                       : server_name_;
  for (const auto& e : employees_) deps.employees.push_back(e.get());
  for (const auto& i : indexes_) deps.indexes.push_back(i.get());
  deps.next = lifecycle_.get();
  deps.disconnect_enabled = cfg_.admin_ui_disconnect;
  deps.write_enabled = cfg_.admin_ui_write;
  admin_hub_ = std::make_unique<admin_hub>(std::move(deps));
}

std::shared_ptr<admin_namespace> app::make_admin_namespace() {
  admin_namespace_deps deps;
  deps.loops = &rt_.loops();
  deps.hub = admin_hub_.get();
  deps.validator = validator_;
  deps.username = cfg_.admin_username;
  deps.password_hash = cfg_.admin_password_hash;
  deps.attempts = std::make_shared<limits::address_rate_limiter>(
      limits::rate_limit{cfg_.auth_rate_per_socket, std::chrono::minutes(1)},
      admin_attempt_addresses);
  deps.auth_per_address = auth_per_address_;
  deps.disconnect_enabled = cfg_.admin_ui_disconnect;
  deps.write_enabled = cfg_.admin_ui_write;
  deps.store = store_.get();
  deps.prefix = cfg_.prefix;
  return std::make_shared<admin_namespace>(std::move(deps));
}

void app::add_admin_routes() {
  const std::string dir =
      cfg_.admin_ui_dir.empty() ? config::default_admin_ui_dir() : cfg_.admin_ui_dir;
  const std::size_t files = add_admin_ui_files(rt_.routes(), dir);
  if (files == 0)
    spdlog::warn("admin ui: files not found in {} (npm @socket.io/admin-ui, ui/dist); the "
                 "/admin namespace still answers",
                 dir);
  else
    spdlog::info("admin ui: {} files from {} at /admin/", files, dir);
}

}  // namespace txrt::telecomx
