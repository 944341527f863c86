#include <catch2/catch.hpp>

#include "protocol/json.hpp"

using txrt::protocol::json::first_element;

TEST_CASE("first_element takes the first of comma-separated values", "[json]") {
  CHECK(first_element(R"({"a":1},2)") == R"({"a":1})");
  CHECK(first_element(R"({"a":[1,2],"b":"x,y"},"z")") == R"({"a":[1,2],"b":"x,y"})");
  CHECK(first_element(R"("a\",b",1)") == R"("a\",b")");
  CHECK(first_element(R"( [1,[2,3]] , 4)") == "[1,[2,3]]");
  CHECK(first_element("7") == "7");
  CHECK(first_element("") == "");
}

TEST_CASE("object_members splits an object without re-serialising", "[json]") {
  using txrt::protocol::json::object_members;
  auto m = object_members(R"({"to":{"employee":"e,1"},"data": [1, {"x":"}"}] ,"n":1.50})");
  REQUIRE(m.size() == 3);
  CHECK(m[0].key == "to");
  CHECK(m[0].value == R"({"employee":"e,1"})");
  CHECK(m[1].key == "data");
  CHECK(m[1].value == R"([1, {"x":"}"}])");
  CHECK(m[2].key == "n");
  CHECK(m[2].value == "1.50");
  CHECK(object_members("[1,2]").empty());
  CHECK(object_members("{}").empty());
}

#include "auth/token_digest.hpp"

TEST_CASE("token_digest is the SHA-1 of the token in hex", "[auth]") {
  CHECK(txrt::auth::token_digest("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(txrt::auth::token_digest("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
