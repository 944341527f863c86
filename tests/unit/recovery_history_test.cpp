// app/recovery_history: coverage, order, the two bounds, and a break in the stream.
#include "app/recovery_history.hpp"

#include <catch2/catch.hpp>

#include <vector>

using txrt::telecomx::coverage;
using txrt::telecomx::history_entry;
using txrt::telecomx::recovery_history;
using txrt::telecomx::stream_offset;
using namespace std::chrono_literals;

namespace {

history_entry entry(stream_offset at, recovery_history::clock::time_point when,
                    std::size_t frame_bytes = 40) {
  history_entry e;
  e.position = at;
  e.type = txrt::telecomx::event_type::pbx;
  e.customer = "c1";
  e.frame = {txrt::engine::make_shared_bytes(std::string(frame_bytes, 'x')), false, 0};
  e.at = when;
  return e;
}

std::vector<std::uint64_t> indexes_after(const recovery_history& h, stream_offset from,
                                         stream_offset upto) {
  std::vector<std::uint64_t> out;
  h.for_each_after(from, upto, [&](const history_entry& e) { out.push_back(e.position.index); });
  return out;
}

}  // namespace

TEST_CASE("recovery history: covered from its marker, replays in order up to a bound",
          "[recovery]") {
  recovery_history h(1 << 20, 60s);
  const auto now = recovery_history::clock::now();
  CHECK(h.covers({9, 0}) == coverage::unknown);  // no marker yet
  h.append(entry({9, 1}, now));                  // before the marker: not kept
  CHECK(h.size() == 0);

  h.on_stream({10, 0});
  for (std::uint64_t i = 1; i <= 5; ++i) h.append(entry({10, i}, now));
  CHECK(h.size() == 5);
  CHECK(h.covers({10, 0}) == coverage::covered);
  CHECK(h.covers({10, 3}) == coverage::covered);
  CHECK(h.covers({9, 100}) == coverage::too_old);
  CHECK(h.covers({10, 6}) == coverage::ahead);
  CHECK(h.covers({0, 0}) == coverage::unknown);
  CHECK(indexes_after(h, {10, 2}, {10, 4}) == std::vector<std::uint64_t>{3, 4});
  CHECK(indexes_after(h, {10, 0}, {99, 0}) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});

  // Another node's marker: positions continue under a new epoch, coverage unbroken.
  h.on_stream({11, 0});
  h.append(entry({11, 1}, now));
  CHECK(h.covers({10, 5}) == coverage::covered);
  CHECK(indexes_after(h, {10, 4}, {11, 1}) == std::vector<std::uint64_t>{5, 1});
  // An event that does not come after the last kept one is never kept (no reordering).
  h.append(entry({10, 9}, now));
  CHECK(h.size() == 6);

  // A break forgets everything: no earlier position can prove that nothing was missed.
  h.on_stream({});
  CHECK(h.size() == 0);
  CHECK(h.covers({11, 1}) == coverage::unknown);
  h.on_stream({12, 0});
  CHECK(h.covers({11, 1}) == coverage::too_old);
  CHECK(h.covers({12, 0}) == coverage::covered);
}

TEST_CASE("recovery history: bounded by bytes and by age, coverage follows the oldest kept",
          "[recovery]") {
  const auto now = recovery_history::clock::now();
  SECTION("bytes") {
    recovery_history h(2000, 60s);
    h.on_stream({1, 0});
    for (std::uint64_t i = 1; i <= 100; ++i) h.append(entry({1, i}, now, 300));
    CHECK(h.bytes() <= 2000);
    CHECK(h.size() > 0);
    CHECK(h.size() < 100);
    const std::uint64_t oldest = 100 - h.size() + 1;
    CHECK(h.covers({1, oldest - 1}) == coverage::covered);  // after the last dropped one
    CHECK(h.covers({1, oldest - 2}) == coverage::too_old);
    std::vector<std::uint64_t> all = indexes_after(h, {1, oldest - 1}, {1, 100});
    CHECK(all.size() == h.size());
    CHECK_FALSE(h.for_each_after({1, 1}, {1, 100}, [](const history_entry&) {}));
  }
  SECTION("bytes: an entry's compressed twin counts too") {
    recovery_history plain(1 << 20, 60s);
    recovery_history twins(1 << 20, 60s);
    plain.on_stream({1, 0});
    twins.on_stream({1, 0});
    for (std::uint64_t i = 1; i <= 10; ++i) {
      plain.append(entry({1, i}, now, 300));
      auto e = entry({1, i}, now, 300);
      e.frame.deflated = txrt::engine::make_shared_bytes(std::string(100, 'z'));
      twins.append(std::move(e));
    }
    CHECK(twins.bytes() >= plain.bytes() + 10 * 100);
  }
  SECTION("age") {
    recovery_history h(1 << 20, 10s);
    h.on_stream({1, 0});
    h.append(entry({1, 1}, now));
    h.append(entry({1, 2}, now + 5s));
    h.append(entry({1, 3}, now + 12s));  // {1,1} is now older than the window
    CHECK(h.size() == 2);
    CHECK(h.covers({1, 0}) == coverage::too_old);
    CHECK(h.covers({1, 1}) == coverage::covered);
  }
}
