#pragma once
// ISO-8601 UTC timestamps, the one codec for every time the server writes or reads: the
// `connected` field of REALTIME events (milliseconds) and of GET /clients (seconds), the demo
// events' `data.time` (seconds), and the tokens file's "expires" (parsed). Pure and reentrant:
// std::chrono's calendar, no gmtime / strftime, no clock (the caller passes the time).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace txrt::protocol {

enum class iso8601_precision : bool { seconds, milliseconds };

// UTC, truncated (floored) to the precision: "2026-11-26T14:05:09Z" or
// "2026-11-26T14:05:09.123Z". Every time point system_clock holds (years 1677..2262) has four
// year digits.
std::string format_iso8601(std::chrono::system_clock::time_point t, iso8601_precision precision);

// "2030-01-31T12:00:00Z", optionally with a fraction of a second (any number of digits, finer
// than nanoseconds dropped) and/or a "+HH:MM" / "-HH:MM" offset instead of "Z". A zone is
// required. Times beyond system_clock's range saturate to time_point::min() / max() (so that
// "9999-12-31T23:59:59Z" means "never"). nullopt when malformed or not a calendar time.
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

}  // namespace txrt::protocol
