// util::short_id: the Engine.IO sid and the Socket.IO socket id, inline up to 22 characters.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "server/util/short_id.hpp"

using txrt::util::short_id;

TEST_CASE("short_id keeps any length, inline up to 22 bytes", "[util]") {
  for (std::size_t n : {0u, 1u, 20u, 21u, 22u, 23u, 24u, 200u}) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text.push_back(static_cast<char>('a' + i % 26));
    short_id s(text);
    CHECK(s.view() == text);
    CHECK(s == text);
    short_id copy(s);
    CHECK(copy.view() == text);
    short_id assigned(std::string(40, 'x'));
    assigned = s;
    CHECK(assigned.view() == text);
    assigned = assigned;  // self-assignment keeps it
    CHECK(assigned.view() == text);
  }
  CHECK(short_id().view().empty());
  CHECK(short_id(std::string_view("a\0b", 3)).view() == std::string_view("a\0b", 3));
}
