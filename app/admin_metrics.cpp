#include "app/admin_metrics.hpp"

namespace txrt::metrics {

family<counter> admin_logins{"txrt_admin_logins_total",
                             "Admin UI logins on the /admin namespace, by result.",
                             {"result", admin_login_results}};
family<counter> admin_commands{"txrt_admin_commands_total",
                               "Admin UI commands (_disconnect, join, leave, emit), by result.",
                               {"command", admin_command_names},
                               {"result", admin_command_results}};

}  // namespace txrt::metrics
