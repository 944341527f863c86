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
