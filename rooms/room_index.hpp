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
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rooms/subscription.hpp"

namespace txrt::rooms {

// Derive from this to be a member of the index (the app's per-socket state does). A member
// belongs to at most one index, and is removed from it (remove_all) before it is destroyed.
class member {
 public:
  virtual ~member() = default;

 private:
  friend class room_index;
  std::uint64_t last_event_ = 0;    // the last event delivered to this member
  std::vector<subscription> subs_;  // every subscription held (for unsubscribe / removal)
};

class room_index {
 public:
  room_index();
  ~room_index();
  room_index(const room_index&) = delete;
  room_index& operator=(const room_index&) = delete;

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

  // Calls `deliver(m)` once for every member with a subscription that matches `e`.
  // Returns the number of deliveries. `deliver` must not change the index (add, remove, or
  // for_each_match again): post such work instead.
  std::size_t for_each_match(const event_meta& e, const std::function<void(member&)>& deliver);

  // Counts, for metrics and tests.
  std::size_t subscription_count() const noexcept { return subscription_count_; }
  std::size_t room_count() const noexcept;

 private:
  // One subscription of one member, its filter copied in: entries never point into
  // member::subs_, whose elements move when it grows or shrinks. The room fixes the event type
  // and customer, so an entry keeps only what differs between members of one room.
  struct entry {
    member* who;
    subscription_type type;           // CONFIG and CONFIG-NOT-IPTV share a customer room
    std::uint8_t type_mask;           // event types selected: ADMIN `types`, all bits otherwise
    std::vector<std::string> events;  // sorted; empty = every sub-event
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
  std::unordered_map<std::string, room> rooms_;  // customer rooms by "<TYPE>|<customer>"
  std::string key_;  // scratch for room keys: lookups reuse its capacity instead of allocating
  std::uint64_t event_seq_ = 0;
  std::size_t subscription_count_ = 0;
  bool delivering_ = false;  // set during for_each_match: the index must not change then
};

}  // namespace txrt::rooms
