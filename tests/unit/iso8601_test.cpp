// protocol/iso8601: exact strings at both precisions (the bytes REALTIME events, GET /clients
// and the demo events put on the wire), agreement with gmtime_r + strftime (what the three
// formatters it replaced wrote) over a spread of times, the forms the tokens file accepts, and
// malformed input.
#include "protocol/iso8601.hpp"

#include <catch2/catch.hpp>

#include <ctime>
#include <string>

using namespace txrt::protocol;
using namespace std::chrono_literals;
using std::chrono::system_clock;

namespace {

system_clock::time_point at(std::chrono::milliseconds since_epoch) {
  return system_clock::time_point{since_epoch};
}

std::string seconds_of(system_clock::time_point t) {
  return format_iso8601(t, iso8601_precision::seconds);
}
std::string millis_of(system_clock::time_point t) {
  return format_iso8601(t, iso8601_precision::milliseconds);
}

// What app/lifecycle.cpp, app/clients_endpoint.cpp and app/demo_events.cpp wrote before.
std::string strftime_seconds(std::time_t secs) {
  std::tm utc{};
  ::gmtime_r(&secs, &utc);
  char out[40];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return out;
}

}  // namespace

TEST_CASE("format_iso8601 writes exact UTC strings", "[iso8601]") {
  CHECK(seconds_of(at(0ms)) == "1970-01-01T00:00:00Z");
  CHECK(millis_of(at(0ms)) == "1970-01-01T00:00:00.000Z");
  CHECK(seconds_of(at(1795701909123ms)) == "2026-11-26T14:05:09Z");
  CHECK(millis_of(at(1795701909123ms)) == "2026-11-26T14:05:09.123Z");
  CHECK(millis_of(at(1795701909007ms)) == "2026-11-26T14:05:09.007Z");
  // Truncated, never rounded up into the next second.
  CHECK(seconds_of(at(1709251199999ms)) == "2024-02-29T23:59:59Z");
  CHECK(millis_of(at(1709251199999ms) + 999us) == "2024-02-29T23:59:59.999Z");
  CHECK(millis_of(at(1709251200000ms)) == "2024-03-01T00:00:00.000Z");
  // Floored before 1970 too.
  CHECK(millis_of(at(-1ms)) == "1969-12-31T23:59:59.999Z");
  CHECK(seconds_of(at(-1ms)) == "1969-12-31T23:59:59Z");
  // The ends of system_clock's range.
  CHECK(seconds_of(system_clock::time_point::max()) == "2262-04-11T23:47:16Z");
  CHECK(seconds_of(system_clock::time_point::min()) == "1677-09-21T00:12:43Z");
}

TEST_CASE("format_iso8601 agrees with gmtime_r and strftime", "[iso8601]") {
  // From 1970 to 2100 in steps that hit every month, day, hour, minute and second pattern.
  for (std::time_t s = 0; s < 4102444800; s += 86400 * 13 + 3600 * 7 + 60 * 11 + 17) {
    const auto t = system_clock::from_time_t(s) + 456ms;
    INFO(s);
    REQUIRE(seconds_of(t) == strftime_seconds(s));
    REQUIRE(millis_of(t) == strftime_seconds(s).insert(19, ".456"));
  }
}

TEST_CASE("parse_iso8601 reads what the tokens file accepts", "[iso8601]") {
  const auto epoch = [](long long s) { return system_clock::time_point{std::chrono::seconds{s}}; };
  CHECK(parse_iso8601("1970-01-01T00:00:00Z") == epoch(0));
  CHECK(parse_iso8601("2020-01-01T00:00:00Z") == epoch(1577836800));
  CHECK(parse_iso8601("2020-01-01T02:30:00+02:30") == epoch(1577836800));
  CHECK(parse_iso8601("2019-12-31T23:00:00-01:00") == epoch(1577836800));
  CHECK(parse_iso8601("2020-01-01T00:00:00.250Z") == epoch(1577836800) + 250ms);
  CHECK(parse_iso8601("2020-01-01T00:00:00.5+00:00") == epoch(1577836800) + 500ms);
  CHECK(parse_iso8601("2020-01-01T00:00:00.123456789123Z") == epoch(1577836800) + 123456789ns);
  CHECK(parse_iso8601("2024-02-29T23:59:59Z") == epoch(1709251199));
  // Beyond system_clock's range (nanoseconds: years 1677..2262) saturates.
  CHECK(parse_iso8601("9999-12-31T23:59:59Z") == system_clock::time_point::max());
  CHECK(parse_iso8601("0001-01-01T00:00:00Z") == system_clock::time_point::min());
  CHECK(parse_iso8601("2262-01-01T00:00:00Z") < system_clock::time_point::max());
  // The edges are exact: the first and last whole seconds the clock holds read back as
  // themselves (a fuzzer found the first one saturating to min()), one beyond saturates.
  const auto first = std::chrono::ceil<std::chrono::seconds>(system_clock::time_point::min());
  const auto last = std::chrono::floor<std::chrono::seconds>(system_clock::time_point::max());
  CHECK(parse_iso8601(format_iso8601(first, iso8601_precision::seconds)) == first);
  CHECK(parse_iso8601(format_iso8601(last, iso8601_precision::seconds)) == last);
  CHECK(parse_iso8601("1677-09-21T00:12:43Z") == system_clock::time_point::min());
  CHECK(parse_iso8601("2262-04-11T23:47:17Z") == system_clock::time_point::max());
  CHECK(parse_iso8601("2262-04-11T23:47:16.9Z") == system_clock::time_point::max());
  CHECK(parse_iso8601("2262-04-11T23:47:16.5Z") < system_clock::time_point::max());
}

TEST_CASE("parse_iso8601 reads back what format_iso8601 writes", "[iso8601]") {
  for (const auto t : {at(0ms), at(1795701909123ms), at(-1ms), at(1709251199999ms)}) {
    CHECK(parse_iso8601(millis_of(t)) == t);
    CHECK(parse_iso8601(seconds_of(t)) == std::chrono::floor<std::chrono::seconds>(t));
  }
}

TEST_CASE("parse_iso8601 rejects malformed input", "[iso8601]") {
  for (const char* bad : {"",
                          "2020-01-01",
                          "2020-01-01T00:00:00",
                          "2020-01-01 00:00:00Z",
                          "2020-13-01T00:00:00Z",
                          "2020-00-01T00:00:00Z",
                          "2021-02-29T00:00:00Z",
                          "2020-04-31T00:00:00Z",
                          "2020-01-01T24:00:00Z",
                          "2020-01-01T00:60:00Z",
                          "2020-01-01T00:00:60Z",
                          "2020-01-01T00:00:00.Z",
                          "2020-01-01T00:00:00+0100",
                          "2020-01-01T00:00:00+01",
                          "2020-01-01T00:00:00+24:00",
                          "2020-01-01T00:00:00+01:60",
                          "2020-01-01T00:00:00+01:00Z",
                          "2020-01-01T00:00:00Zjunk",
                          "2020-01-01T00:00:00z",
                          "20x0-01-01T00:00:00Z",
                          "-2020-01-01T00:00:00Z",
                          " 2020-01-01T00:00:00Z",
                          "2020-01-01T00:00:00Z ",
                          "2020-1-01T00:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso8601(bad));
  }
  // Embedded NUL: the length, not a terminator, ends the text.
  CHECK_FALSE(parse_iso8601(std::string_view("2020-01-01T00:00:00Z\0", 21)));
}
