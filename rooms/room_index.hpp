#pragma once
// The room index of one loop: which members (sockets) hold which subscriptions, and the
// matching members of an event, each at most once. Knows nothing of sockets or I/O; delivery
// drains through one callback. Not thread-safe: one index per loop, used only by that loop.
//
// Cost model: an event visits the room of (type, customer), the ADMIN firehose room and the
// ADMIN:<type> room; a member found in several of them is delivered once (an event sequence
// number stamped on the member). No allocation and no hashing per delivered member.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "protocol/telecomx/subscription.hpp"

namespace txrt::rooms {

using telecomx::event_meta;
using telecomx::event_type;
using telecomx::subscription;
using telecomx::subscription_type;

// The index's bookkeeping inside a member: derive from it to be a member (the app's per-socket
// state does). A member belongs to at most one index, and is removed from it (remove_all)
// before it is destroyed.
class member {
 protected:
  member() = default;
  ~member() = default;  // never deleted through this type: the index does not own members

 private:
  friend class basic_room_index;
  std::uint64_t last_event_ = 0;    // the last event delivered to this member
  std::vector<subscription> subs_;  // every subscription held (for unsubscribe / removal)
};

// The index over `member`; use room_index<M>, which hands deliveries back as the caller's own
// member type M.
class basic_room_index {
 public:
  // What for_each_match calls per matching member: a plain function pointer and its context
  // (no std::function, no allocation per event).
  struct sink {
    void* context;
    void (*call)(void* context, member& m);
  };

  basic_room_index();
  ~basic_room_index();
  basic_room_index(const basic_room_index&) = delete;
  basic_room_index& operator=(const basic_room_index&) = delete;

  // Precondition of add and remove_exact: `s` is in the normal form (telecomx::normalise(),
  // which parse_subscription already applies), so that equality means "selects the same
  // events" and the room entry agrees with matches(). The index trusts it (checked only by an
  // assert in debug builds) rather than normalising every subscription a second time.
  //
  // Adds `s` for `m`; false when `m` already holds an identical subscription.
  bool add(member& m, const subscription& s);
  // Removes exactly `s` (unsubscribe with events/types); returns how many were removed (0/1).
  std::size_t remove_exact(member& m, const subscription& s);
  // Removes every subscription of `type` for `customer` (unsubscribe {type, customer}).
  std::size_t remove_type(member& m, subscription_type type, std::string_view customer);
  // Removes everything `m` holds (disconnect, re-authentication).
  void remove_all(member& m);

  const std::vector<subscription>& subscriptions_of(const member& m) const noexcept {
    return m.subs_;
  }

  // Calls `deliver` once for every member with a subscription that matches `e`.
  // Returns the number of deliveries. `deliver` must not change the index (add, remove, or
  // for_each_match again): post such work instead.
  std::size_t for_each_match(const event_meta& e, sink deliver);

  // Counts, for metrics and tests.
  std::size_t subscription_count() const noexcept { return subscription_count_; }
  std::size_t room_count() const noexcept;

 private:
  // One subscription of one member, its filter copied in: entries never point into
  // member::subs_, whose elements move when it grows or shrinks. The room fixes the event type
  // and customer, so an entry keeps only what differs between members of one room.
  //
  // 24 bytes, one per subscription held: the sub-event filter, which most subscriptions do not
  // have, is a pointer (null = every sub-event) rather than an empty vector in every entry.
  struct entry {
    member* who;
    std::unique_ptr<const std::vector<std::string>> events;  // sorted; null = every sub-event
    subscription_type type;  // CONFIG and CONFIG-NOT-IPTV share a customer room
    std::uint8_t type_mask;  // event types selected: ADMIN `types`, all bits otherwise
  };
  struct room {
    std::vector<entry> entries;  // unordered; removal swaps with the last
  };
  static constexpr std::size_t admin_room_count = 6;  // ADMIN, then ADMIN:<T> in enum order

  room* find_room(const subscription& s);  // nullptr when absent
  room& room_for(const subscription& s);   // creates the room when absent
  void erase_entry(member& m, const subscription& s);

  // The ADMIN rooms are a fixed set, indexed by subscription_type, so an event finds them
  // without hashing; an ADMIN room without entries counts as absent.
  std::array<room, admin_room_count> admin_rooms_;
  // Customer rooms by "<TYPE>|<customer>": an open-addressing table (room_index.cpp), whose
  // lookup, made once per event and loop, costs fewer cache misses than a node-based map's
  // bucket, link and node. Behind a pointer to keep its header out of this widely included one.
  struct customer_rooms;
  std::unique_ptr<customer_rooms> rooms_;
  std::string key_;  // scratch for room keys: lookups reuse its capacity instead of allocating
  std::uint64_t event_seq_ = 0;
  std::size_t subscription_count_ = 0;
  bool delivering_ = false;  // set during for_each_match: the index must not change then
};

// The room index of members of type M (M derives from rooms::member): every member that goes in
// is an M, so every member handed back is one, and the caller never casts.
template <class M>
class room_index : private basic_room_index {
 public:
  bool add(M& m, const subscription& s) { return basic_room_index::add(m, s); }
  std::size_t remove_exact(M& m, const subscription& s) {
    return basic_room_index::remove_exact(m, s);
  }
  std::size_t remove_type(M& m, subscription_type type, std::string_view customer) {
    return basic_room_index::remove_type(m, type, customer);
  }
  void remove_all(M& m) { basic_room_index::remove_all(m); }
  const std::vector<subscription>& subscriptions_of(const M& m) const noexcept {
    return basic_room_index::subscriptions_of(m);
  }
  using basic_room_index::room_count;
  using basic_room_index::subscription_count;

  // Calls `deliver(M&)` once for every member with a subscription that matches `e`; see
  // basic_room_index::for_each_match.
  template <class F>
  std::size_t for_each_match(const event_meta& e, F&& deliver) {
    using fn = std::remove_reference_t<F>;
    auto call = [](void* context, member& m) { (*static_cast<fn*>(context))(static_cast<M&>(m)); };
    void* context = const_cast<void*>(static_cast<const void*>(std::addressof(deliver)));
    return basic_room_index::for_each_match(e, sink{context, call});
  }
};

}  // namespace txrt::rooms
