#include "auth/policy.hpp"

#include <algorithm>

namespace txrt::auth {

namespace {

using telecomx::subscription_type;

// The lowest level allowed to hold a subscription of type `t`, before customer access is
// checked. A plain switch rather than telecomx::is_admin_type() so the policy depends only on the
// header's vocabulary; the compiler flags a new enumerator that is not handled here.
access_level minimum_level(subscription_type t) noexcept {
  switch (t) {
    case subscription_type::admin:
    case subscription_type::admin_config:
    case subscription_type::admin_call:
    case subscription_type::admin_register:
    case subscription_type::admin_pbx:
    case subscription_type::admin_realtime:
      return access_level::admin;
    case subscription_type::pbx:
    case subscription_type::config:
    case subscription_type::config_not_iptv:
      return access_level::personal;
    case subscription_type::reg:
    case subscription_type::call:
      return access_level::viewer;
  }
  return access_level::admin;  // unreachable for valid enumerators; deny by default
}

bool is_customer_type(subscription_type t) noexcept {
  return minimum_level(t) != access_level::admin;
}

bool on_chain(std::string_view id, const std::vector<std::string>& chain) {
  return !id.empty() && std::find(chain.begin(), chain.end(), id) != chain.end();
}

}  // namespace

bool may_access_customer(const identity& who, std::string_view customer,
                         const std::vector<std::string>& parent_chain) {
  if (customer.empty()) return false;
  switch (who.level) {
    case access_level::admin:
    case access_level::reseller_admin:
      return true;
    case access_level::reseller:
      if (customer == who.customer || on_chain(who.customer, parent_chain)) return true;
      return std::any_of(who.organization_resellers.begin(), who.organization_resellers.end(),
                         [&](const std::string& r) { return on_chain(r, parent_chain); });
    case access_level::owner:
    case access_level::manager:
    case access_level::viewer:
    case access_level::personal:
      return !who.customer.empty() && customer == who.customer;
    case access_level::no_login:
      return false;
  }
  return false;
}

subscribe_decision may_subscribe(const identity& who, const telecomx::subscription& s,
                                 const std::vector<std::string>& parent_chain) {
  // NO_LOGIN never authenticates, but the policy does not rely on that.
  if (who.level == access_level::no_login || who.level < minimum_level(s.type)) {
    return subscribe_decision::access_denied;
  }
  if (!is_customer_type(s.type)) return subscribe_decision::allowed;
  return may_access_customer(who, s.customer, parent_chain) ? subscribe_decision::allowed
                                                            : subscribe_decision::access_denied;
}

bool needs_parent_chain(const identity& who, const telecomx::subscription& s) {
  return who.level == access_level::reseller && is_customer_type(s.type) && !s.customer.empty() &&
         s.customer != who.customer;
}

}  // namespace txrt::auth
