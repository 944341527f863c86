// rooms/room_index: adding and removing subscriptions, exactly-once delivery when several
// subscriptions of one member match, the counts, and a randomized comparison with a brute-force
// model (every member's subscriptions checked with matches()).
#include "rooms/room_index.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace txrt::rooms;
using namespace txrt::telecomx;

namespace {

struct test_member : member {
  explicit test_member(int i) : id(i) {}
  int id;
};

// A subscription in the normal form the index requires (as parse_subscription gives it).
subscription sub(subscription_type t, std::string customer = {},
                 std::vector<std::string> events = {}, std::vector<event_type> types = {}) {
  subscription s{t, std::move(customer), std::move(events), std::move(types)};
  normalise(s);
  return s;
}

// The ids delivered for `e`, sorted; checks that the return value counts them and that no
// member was delivered twice.
std::vector<int> delivered(room_index<test_member>& index, const event_meta& e) {
  std::vector<int> ids;
  const auto n =
      index.for_each_match(e, [&](test_member& m) { ids.push_back(m.id); });
  CHECK(n == ids.size());
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  return ids;
}

using st = subscription_type;
using et = event_type;
using ids = std::vector<int>;

}  // namespace

TEST_CASE("room_index add refuses duplicates and counts rooms", "[rooms]") {
  room_index<test_member> index;
  test_member a(1);
  CHECK(index.add(a, sub(st::pbx, "c1")));
  CHECK_FALSE(index.add(a, sub(st::pbx, "c1")));
  CHECK(index.add(a, sub(st::pbx, "c1", {"A"})));  // a different filter is another subscription
  // Normal forms compare: the same filter in another order is a duplicate.
  CHECK(index.add(a, sub(st::pbx, "c1", {"B", "A", "B"})));
  CHECK_FALSE(index.add(a, sub(st::pbx, "c1", {"A", "B"})));
  CHECK(index.subscription_count() == 3);
  CHECK(index.room_count() == 1);
  CHECK(index.subscriptions_of(a).at(2) == sub(st::pbx, "c1", {"A", "B"}));

  // CONFIG and CONFIG-NOT-IPTV of one customer share a room; ADMIN rooms are one per type.
  CHECK(index.add(a, sub(st::config, "c1")));
  CHECK(index.add(a, sub(st::config_not_iptv, "c1")));
  CHECK(index.room_count() == 2);
  CHECK(index.add(a, sub(st::admin)));
  CHECK(index.add(a, sub(st::admin, "", {}, {et::pbx})));
  CHECK(index.add(a, sub(st::admin_pbx)));
  CHECK(index.add(a, sub(st::admin_call)));
  CHECK(index.room_count() == 5);
  // ADMIN ignores a customer: adding one again with a customer is the same subscription.
  CHECK_FALSE(index.add(a, sub(st::admin_pbx, "c9")));
  CHECK(index.subscription_count() == 9);
  CHECK(index.subscriptions_of(a).size() == 9);
  index.remove_all(a);
}

TEST_CASE("room_index remove_exact removes only the identical subscription", "[rooms]") {
  room_index<test_member> index;
  test_member a(1), b(2);
  index.add(a, sub(st::pbx, "c1"));
  index.add(a, sub(st::pbx, "c1", {"A"}));
  index.add(b, sub(st::pbx, "c1", {"A"}));
  CHECK(index.remove_exact(a, sub(st::pbx, "c1", {"B"})) == 0);
  CHECK(index.remove_exact(a, sub(st::pbx, "c2")) == 0);
  CHECK(index.remove_exact(a, sub(st::pbx, "c1", {"A"})) == 1);
  CHECK(index.remove_exact(a, sub(st::pbx, "c1", {"A"})) == 0);
  CHECK(index.subscriptions_of(a) == std::vector{sub(st::pbx, "c1")});
  CHECK(delivered(index, {et::pbx, "c1", "A"}) == ids{1, 2});
  CHECK(delivered(index, {et::pbx, "c1", "B"}) == ids{1});
  CHECK(index.remove_exact(a, sub(st::pbx, "c1")) == 1);
  CHECK(delivered(index, {et::pbx, "c1", "B"}) == ids{});
  CHECK(index.room_count() == 1);
  CHECK(index.remove_exact(b, sub(st::pbx, "c1", {"A"})) == 1);
  CHECK(index.room_count() == 0);  // the empty room is erased
  CHECK(index.subscription_count() == 0);
}

TEST_CASE("room_index remove_type removes every subscription of a type and customer", "[rooms]") {
  room_index<test_member> index;
  test_member a(1);
  index.add(a, sub(st::pbx, "c1"));
  index.add(a, sub(st::pbx, "c1", {"A"}));
  index.add(a, sub(st::pbx, "c2"));
  index.add(a, sub(st::config, "c1"));
  index.add(a, sub(st::config_not_iptv, "c1"));
  index.add(a, sub(st::admin, "", {}, {et::call}));
  index.add(a, sub(st::admin, "", {}, {et::trunk}));
  index.add(a, sub(st::admin_call));
  CHECK(index.remove_type(a, st::pbx, "c3") == 0);
  CHECK(index.remove_type(a, st::pbx, "c1") == 2);
  CHECK(index.remove_type(a, st::config_not_iptv, "c1") == 1);
  CHECK(index.remove_type(a, st::admin, "whatever") == 2);  // ADMIN has no customer
  CHECK(index.subscriptions_of(a) ==
        std::vector{sub(st::pbx, "c2"), sub(st::config, "c1"), sub(st::admin_call)});
  CHECK(index.subscription_count() == 3);
  CHECK(index.room_count() == 3);
  CHECK(delivered(index, {et::pbx, "c1", "A"}) == ids{});
  CHECK(delivered(index, {et::config, "c1", "IPTV_X"}) == ids{1});
  CHECK(delivered(index, {et::trunk, "", "X"}) == ids{});
  index.remove_all(a);
}

TEST_CASE("room_index remove_all leaves nothing behind", "[rooms]") {
  room_index<test_member> index;
  test_member a(1), b(2);
  for (auto* m : {&a, &b}) {
    index.add(*m, sub(st::admin));
    index.add(*m, sub(st::admin_pbx, "", {"X"}));
    index.add(*m, sub(st::pbx, "c1"));
    index.add(*m, sub(st::call, "c2", {"A", "B"}));
  }
  index.remove_all(a);
  CHECK(index.subscriptions_of(a).empty());
  CHECK(index.subscription_count() == 4);
  CHECK(index.room_count() == 4);
  CHECK(delivered(index, {et::pbx, "c1", "X"}) == ids{2});
  CHECK(delivered(index, {et::call, "c2", "A"}) == ids{2});
  index.remove_all(b);
  index.remove_all(b);  // idempotent
  CHECK(index.subscription_count() == 0);
  CHECK(index.room_count() == 0);
  CHECK(delivered(index, {et::pbx, "c1", "X"}) == ids{});
  // The member can subscribe again afterwards.
  CHECK(index.add(a, sub(st::pbx, "c1")));
  CHECK(delivered(index, {et::pbx, "c1", "X"}) == ids{1});
  index.remove_all(a);
}

TEST_CASE("room_index delivers once when several subscriptions match", "[rooms]") {
  room_index<test_member> index;
  test_member a(1), b(2), c(3);
  index.add(a, sub(st::admin));
  index.add(a, sub(st::admin_pbx));
  index.add(a, sub(st::pbx, "c1", {"CALL_START"}));
  index.add(b, sub(st::pbx, "c1", {"CALL_END"}));  // does not match: must not hide the next one
  index.add(b, sub(st::pbx, "c1", {"CALL_START"}));
  index.add(c, sub(st::admin, "", {}, {et::config}));
  index.add(c, sub(st::config, "c1"));
  index.add(c, sub(st::config_not_iptv, "c1"));

  CHECK(delivered(index, {et::pbx, "c1", "CALL_START"}) == ids{1, 2});
  CHECK(delivered(index, {et::pbx, "c1", "CALL_END"}) == ids{1, 2});
  CHECK(delivered(index, {et::pbx, "c1", "OTHER"}) == ids{1});
  CHECK(delivered(index, {et::pbx, "c2", "CALL_START"}) == ids{1});
  CHECK(delivered(index, {et::config, "c1", "IPTV_X"}) == ids{1, 3});
  CHECK(delivered(index, {et::config, "", "X"}) == ids{1, 3});
  CHECK(delivered(index, {et::trunk, "", "DOWN"}) == ids{1});
  CHECK(delivered(index, {et::call, "c1", "MAXCHANNELS"}) == ids{1});
  index.remove_all(a);
  index.remove_all(b);
  index.remove_all(c);
}

TEST_CASE("room_index with many members counts deliveries", "[rooms]") {
  room_index<test_member> index;
  std::vector<std::unique_ptr<test_member>> members;
  for (int i = 0; i < 1000; ++i) {
    members.push_back(std::make_unique<test_member>(i));
    auto& m = *members.back();
    index.add(m, sub(st::pbx, "c" + std::to_string(i % 10)));
    if (i % 100 == 0) index.add(m, sub(st::admin));
    if (i % 50 == 0) index.add(m, sub(st::call, "c0", {"CALL_START"}));
  }
  CHECK(index.room_count() == 12);
  CHECK(index.subscription_count() == 1000 + 10 + 20);
  CHECK(delivered(index, {et::pbx, "c3", "X"}).size() == 100 + 10);
  // The ADMIN members (multiples of 100) are among the CALL ones (multiples of 50).
  CHECK(delivered(index, {et::call, "c0", "CALL_START"}).size() == 20);
  CHECK(delivered(index, {et::call, "c0", "CALL_END"}).size() == 10);
  // Remove every other member: the swap-and-pop removals keep the others reachable.
  for (int i = 0; i < 1000; i += 2) index.remove_all(*members[i]);
  CHECK(delivered(index, {et::pbx, "c3", "X"}).size() == 100);  // c3 members are odd, ADMIN even
  CHECK(delivered(index, {et::pbx, "c4", "X"}).size() == 0);
  CHECK(index.room_count() == 5);
  for (auto& m : members) index.remove_all(*m);
  CHECK(index.room_count() == 0);
}

TEST_CASE("room_index agrees with a brute-force model", "[rooms]") {
  const std::vector<std::string> customers = {"c1", "c2", "c3"};
  const std::vector<std::string> sub_events = {"A", "B", "IPTV_X", "MAXCHANNELS", "PEER_ERROR"};
  for (const unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937 rng(seed);
    const auto pick = [&](std::size_t n) {
      return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    const auto chance = [&](int percent) { return static_cast<int>(pick(100)) < percent; };
    const auto random_sub = [&] {
      subscription s;
      s.type = static_cast<st>(pick(11));
      if (!is_admin_type(s.type)) s.customer = customers[pick(customers.size())];
      if (s.type != st::admin && chance(30)) {
        for (const auto& e : sub_events)
          if (chance(40)) s.events.push_back(e);
      }
      if (s.type == st::admin && chance(50)) {
        for (std::size_t t = 0; t < event_type_count; ++t) {
          if (chance(30)) s.types.push_back(static_cast<et>(t));
        }
      }
      return s;  // already sorted: the vocabularies are
    };

    room_index<test_member> index;
    std::vector<std::unique_ptr<test_member>> members;
    std::vector<std::vector<subscription>> model(30);
    for (int i = 0; i < 30; ++i) members.push_back(std::make_unique<test_member>(i));
    std::size_t events_checked = 0, deliveries = 0;
    for (int step = 0; step < 6000; ++step) {
      const auto who = pick(members.size());
      auto& m = *members[who];
      auto& held = model[who];
      const auto op = pick(100);
      if (op < 35) {
        const auto s = random_sub();
        const bool fresh = std::find(held.begin(), held.end(), s) == held.end();
        REQUIRE(index.add(m, s) == fresh);
        if (fresh) held.push_back(s);
      } else if (op < 45) {
        const auto s = !held.empty() && chance(70) ? held[pick(held.size())] : random_sub();
        const auto n = std::erase(held, s);
        REQUIRE(index.remove_exact(m, s) == n);
      } else if (op < 52) {
        const auto s = !held.empty() && chance(70) ? held[pick(held.size())] : random_sub();
        const auto n = std::erase_if(held, [&](const subscription& h) {
          return h.type == s.type && h.customer == s.customer;
        });
        REQUIRE(index.remove_type(m, s.type, s.customer) == n);
      } else if (op < 54) {
        index.remove_all(m);
        held.clear();
      } else {
        event_meta e;
        e.type = static_cast<et>(pick(event_type_count));
        e.customer = chance(20) ? std::string_view{} : std::string_view{customers[pick(3)]};
        e.sub_event = chance(10) ? std::string_view{} : std::string_view{sub_events[pick(5)]};
        ids expected;
        for (std::size_t i = 0; i < model.size(); ++i) {
          if (std::any_of(model[i].begin(), model[i].end(),
                          [&](const subscription& s) { return matches(s, e); })) {
            expected.push_back(static_cast<int>(i));
          }
        }
        const auto got = delivered(index, e);
        REQUIRE(got == expected);
        ++events_checked;
        deliveries += got.size();
      }
      REQUIRE(index.subscriptions_of(m) == held);
    }
    // The counts agree with the model, and every room the model implies (and no other) exists.
    std::size_t total = 0;
    std::set<std::string> keys;
    for (const auto& held : model) {
      total += held.size();
      for (const auto& s : held) {
        keys.insert(is_admin_type(s.type)
                        ? std::string(to_string(s.type))
                        : std::string(to_string(*selected_event_type(s.type))) + "|" + s.customer);
      }
    }
    CHECK(index.subscription_count() == total);
    CHECK(index.room_count() == keys.size());
    CHECK(events_checked > 2000);
    CHECK(deliveries > events_checked);  // the run exercised real fan-out, not empty rooms
    for (auto& m : members) index.remove_all(*m);
    CHECK(index.room_count() == 0);
    CHECK(index.subscription_count() == 0);
  }
}
