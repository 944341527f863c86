#include "rooms/room_index.hpp"

#include <algorithm>
#include <cassert>
#include <optional>
#include <utility>

#include <boost/unordered/unordered_flat_map.hpp>

namespace txrt::rooms {

using namespace telecomx;  // the vocabulary of subscriptions and events

namespace {

constexpr std::uint8_t all_types = (1u << event_type_count) - 1;

std::uint8_t bit_of(event_type t) noexcept {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(t));
}

std::uint8_t type_mask(const subscription& s) noexcept {
  if (s.type != subscription_type::admin || s.types.empty()) return all_types;
  std::uint8_t mask = 0;
  for (const auto t : s.types) mask |= bit_of(t);
  return mask;
}

std::size_t admin_slot(subscription_type t) noexcept {
  return static_cast<std::size_t>(t);
}

// The ADMIN:<T> room an event of type `t` visits; TRUNK and REDIS have none.
std::optional<subscription_type> admin_type_for(event_type t) noexcept {
  switch (t) {
    case event_type::config:
      return subscription_type::admin_config;
    case event_type::call:
      return subscription_type::admin_call;
    case event_type::reg:
      return subscription_type::admin_register;
    case event_type::pbx:
      return subscription_type::admin_pbx;
    case event_type::realtime:
      return subscription_type::admin_realtime;
    default:
      return std::nullopt;
  }
}

// Whether customer subscriptions exist for events of type `t` (REALTIME, TRUNK and REDIS reach
// only ADMIN subscriptions).
bool has_customer_rooms(event_type t) noexcept {
  return t == event_type::config || t == event_type::call || t == event_type::reg ||
         t == event_type::pbx;
}

void append_room_key(event_type t, std::string_view customer, std::string& key) {
  key.assign(to_string(t));
  key.push_back('|');
  key.append(customer);
}

#ifndef NDEBUG
bool is_normal(const subscription& s) {
  subscription copy = s;
  normalise(copy);
  return copy == s;
}
#endif

// How many entries ahead for_each_match prefetches a member: enough to cover a miss while the
// deliveries in between run, few enough that the line is still there when its turn comes.
constexpr std::size_t prefetch_distance = 4;

struct flag_guard {
  explicit flag_guard(bool& flag) noexcept : flag_(flag) { flag_ = true; }
  ~flag_guard() { flag_ = false; }
  bool& flag_;
};

}  // namespace

struct basic_room_index::customer_rooms : boost::unordered_flat_map<std::string, room> {};

basic_room_index::basic_room_index() : rooms_(std::make_unique<customer_rooms>()) {}
basic_room_index::~basic_room_index() = default;

basic_room_index::room* basic_room_index::find_room(const subscription& s) {
  if (is_admin_type(s.type)) return &admin_rooms_[admin_slot(s.type)];
  append_room_key(*selected_event_type(s.type), s.customer, key_);
  const auto it = rooms_->find(key_);
  return it == rooms_->end() ? nullptr : &it->second;
}

basic_room_index::room& basic_room_index::room_for(const subscription& s) {
  if (is_admin_type(s.type)) return admin_rooms_[admin_slot(s.type)];
  append_room_key(*selected_event_type(s.type), s.customer, key_);
  return (*rooms_)[key_];
}

bool basic_room_index::add(member& m, const subscription& s) {
  assert(!delivering_ && "the index must not change during for_each_match");
  assert(is_normal(s) && "subscriptions come normalised (telecomx::normalise)");
  auto& subs = m.subs_;
  if (std::find(subs.begin(), subs.end(), s) != subs.end()) return false;
  // Grow first, so the push_back below cannot throw after the room already holds the entry.
  // Most clients hold one or two subscriptions: start at one, so an idle session stays small.
  if (subs.size() == subs.capacity()) subs.reserve(std::max<std::size_t>(1, subs.size() * 2));
  entry e{&m,
          s.events.empty() ? nullptr : std::make_unique<const std::vector<std::string>>(s.events),
          s.type, type_mask(s)};
  room_for(s).entries.push_back(std::move(e));
  subs.push_back(s);
  ++subscription_count_;
  return true;
}

std::size_t basic_room_index::remove_exact(member& m, const subscription& s) {
  assert(!delivering_ && "the index must not change during for_each_match");
  assert(is_normal(s) && "subscriptions come normalised (telecomx::normalise)");
  auto& subs = m.subs_;
  const auto it = std::find(subs.begin(), subs.end(), s);
  if (it == subs.end()) return 0;
  erase_entry(m, *it);
  subs.erase(it);  // order-preserving: subscriptions_of lists in subscription order
  --subscription_count_;
  return 1;
}

std::size_t basic_room_index::remove_type(member& m, subscription_type type, std::string_view customer) {
  assert(!delivering_ && "the index must not change during for_each_match");
  // ADMIN subscriptions carry no customer, whatever the unsubscribe payload said.
  const auto selected = [&](const subscription& s) {
    return s.type == type && (is_admin_type(type) || s.customer == customer);
  };
  for (const auto& s : m.subs_) {
    if (selected(s)) erase_entry(m, s);
  }
  const std::size_t removed = std::erase_if(m.subs_, selected);
  subscription_count_ -= removed;
  return removed;
}

void basic_room_index::remove_all(member& m) {
  assert(!delivering_ && "the index must not change during for_each_match");
  for (const auto& s : m.subs_) erase_entry(m, s);
  subscription_count_ -= m.subs_.size();
  m.subs_.clear();
}

void basic_room_index::erase_entry(member& m, const subscription& s) {
  room* r = find_room(s);  // leaves a customer room's key in key_ for the erase below
  if (r == nullptr) return;
  auto& entries = r->entries;
  const auto mask = type_mask(s);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entry& e = entries[i];
    if (e.who == &m && e.type == s.type && e.type_mask == mask &&
        (e.events ? *e.events == s.events : s.events.empty())) {
      if (i + 1 != entries.size()) e = std::move(entries.back());
      entries.pop_back();
      break;
    }
  }
  if (!entries.empty()) return;
  if (is_admin_type(s.type)) {
    entries = std::vector<entry>{};  // an empty ADMIN room gives its memory back, as erasing would
  } else {
    rooms_->erase(key_);
  }
}

std::size_t basic_room_index::for_each_match(const event_meta& e, sink deliver) {
  assert(!delivering_ && "for_each_match must not be re-entered from deliver");
  const flag_guard guard(delivering_);
  // A member is stamped with this number when delivered; later rooms skip it. Stamping only on
  // delivery matters: an entry that does not match must not hide the member's other entries.
  const std::uint64_t seq = ++event_seq_;
  const std::uint8_t bit = bit_of(e.type);
  const bool iptv = e.type == event_type::config && e.sub_event.starts_with("IPTV_");
  std::size_t delivered = 0;
  const auto visit = [&](room& r) {
    entry* const entries = r.entries.data();
    const std::size_t count = r.entries.size();
    for (std::size_t i = 0; i < count; ++i) {
      // The members of a room are scattered over the heap, and each costs a cache miss when
      // its stamp is read: ask for the one a few entries ahead now (for writing: it is stamped),
      // so that the miss overlaps with this delivery instead of following it.
      if (i + prefetch_distance < count) __builtin_prefetch(entries[i + prefetch_distance].who, 1);
      entry& en = entries[i];
      member& who = *en.who;
      if (who.last_event_ == seq || (en.type_mask & bit) == 0) continue;
      if (iptv && en.type == subscription_type::config_not_iptv) continue;
      if (en.events &&
          !std::binary_search(en.events->begin(), en.events->end(), e.sub_event,
                              [](std::string_view a, std::string_view b) { return a < b; })) {
        continue;
      }
      who.last_event_ = seq;
      deliver.call(deliver.context, who);
      ++delivered;
    }
  };

  visit(admin_rooms_[admin_slot(subscription_type::admin)]);
  if (const auto t = admin_type_for(e.type)) visit(admin_rooms_[admin_slot(*t)]);
  if (!e.customer.empty() && has_customer_rooms(e.type) && !admin_only(e)) {
    append_room_key(e.type, e.customer, key_);
    if (const auto it = rooms_->find(key_); it != rooms_->end()) visit(it->second);
  }
  return delivered;
}

std::size_t basic_room_index::room_count() const noexcept {
  const auto admin = std::count_if(admin_rooms_.begin(), admin_rooms_.end(),
                                   [](const room& r) { return !r.entries.empty(); });
  return rooms_->size() + static_cast<std::size_t>(admin);
}

}  // namespace txrt::rooms
