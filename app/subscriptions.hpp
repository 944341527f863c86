#pragma once
// subscribe / unsubscribe (SPEC §5): a client's subscriptions in the room index of its loop.
//
// Contract:
// - subscribe: not authenticated -> subscribe_failed not_authenticated; a malformed payload ->
//   invalid (type and customer echoed as sent, when strings); a known type the identity may
//   not have -> access_denied; a reseller reaching below its own customer asks the customer
//   directory first (unreachable -> unavailable; an answer that arrives after a re-authenticate
//   or the disconnect is dropped). Allowed: added to the room index (an identical one again is
//   a no-op) and `subscribed` echoes the normalised subscription; the ack gets {success:true,…}.
// - unsubscribe {type, customer} removes every subscription of that type and customer; with
//   events/types only the identical one. `unsubscribed` echoes it; the ack adds "removed".
// - Every failure acks {success:false, code, message} when the client asked for an ack.
// The payload is parsed once (parse_subscription_args) and normalised once, by that codec.
// Runs on the client's loop only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "auth/directory.hpp"
#include "protocol/telecomx/subscription.hpp"
#include "rooms/room_index.hpp"

namespace txrt::telecomx {

struct client;
class client_io;

struct subscriptions_deps {
  std::shared_ptr<auth::customer_directory> directory;
  std::vector<rooms::room_index<client>*> indexes;  // one per loop, by loop index
};

class subscriptions {
 public:
  subscriptions(subscriptions_deps deps, client_io& io);

  void subscribe(client& c, std::string_view event_args, std::optional<std::uint64_t> ack_id);
  void unsubscribe(client& c, std::string_view event_args, std::optional<std::uint64_t> ack_id);
  // Drops every subscription of `c` (disconnect, re-authentication), without telling it.
  void drop_all(client& c);

  rooms::room_index<client>& index_of(const client& c);

 private:
  // The subscription asked for, or nothing when the client is not authenticated or the
  // payload is malformed (then the client has been told).
  std::optional<telecomx::subscription> requested(client& c, std::string_view event_args,
                                                  std::optional<std::uint64_t> ack_id);
  // The access decision once the parent chain (if needed) is known, and its answer.
  void decide(client& c, const telecomx::subscription& sub, const std::vector<std::string>& chain,
              std::optional<std::uint64_t> ack_id);
  void fail(client& c, std::optional<std::uint64_t> ack_id, std::string_view type,
            std::string_view customer, std::string_view code, std::string_view message);

  subscriptions_deps deps_;
  client_io& io_;
};

}  // namespace txrt::telecomx
