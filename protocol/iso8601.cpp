#include "protocol/iso8601.hpp"

#include <algorithm>
#include <cstdio>

namespace txrt::protocol {

namespace {

// Reads exactly `n` decimal digits at `pos`.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_iso8601(std::chrono::system_clock::time_point t, iso8601_precision precision) {
  using namespace std::chrono;
  // Floored, not truncated toward zero: a time before 1970 still gets its own second.
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss time{ms - day};
  const int year = static_cast<int>(date.year());
  if (year < 0 || year > 9999) {
    // Outside the four-digit years (never a real timestamp): printf's rendering, as before.
    char buf[40];
    int n = std::snprintf(
        buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", year, static_cast<unsigned>(date.month()),
        static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
        static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
    if (precision == iso8601_precision::milliseconds) {
      n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%03d",
                         static_cast<int>(time.subseconds().count()));
    }
    std::string out(buf, static_cast<std::size_t>(n));
    out.push_back('Z');
    return out;
  }
  // The common case by hand: it runs once per lifecycle event, and snprintf's format parsing
  // showed in the connect profile.
  std::string out = "0000-00-00T00:00:00.000Z";
  const auto put = [&out](std::size_t pos, std::size_t width, unsigned value) {
    for (std::size_t i = pos + width; i-- > pos; value /= 10)
      out[i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, static_cast<unsigned>(year));
  put(5, 2, static_cast<unsigned>(date.month()));
  put(8, 2, static_cast<unsigned>(date.day()));
  put(11, 2, static_cast<unsigned>(time.hours().count()));
  put(14, 2, static_cast<unsigned>(time.minutes().count()));
  put(17, 2, static_cast<unsigned>(time.seconds().count()));
  if (precision == iso8601_precision::milliseconds) {
    put(20, 3, static_cast<unsigned>(time.subseconds().count()));
  } else {
    out.erase(19, 4);
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || s[10] != 'T' || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  nanoseconds fraction{0};
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    long long ns = 0;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
      if (pos - start < 9) ns = ns * 10 + (s[pos] - '0');  // finer digits are dropped
    }
    if (pos == start) return std::nullopt;
    for (std::size_t n = std::min<std::size_t>(pos - start, 9); n < 9; ++n) ns *= 10;
    fraction = nanoseconds{ns};
  }
  // A zone is required: a time without one would silently depend on the server's clock zone.
  minutes offset{0};
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = hours{oh} + minutes{om};
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits (years 1677..2262); "9999-12-31" is a common way
  // to say "never", so times beyond the range saturate instead of overflowing.
  // The bounds are exact (a whole second is in range when the clock can hold it, the fraction
  // then checked against what is left), so every time the clock holds reads back as itself.
  const sys_seconds whole = sys_days{date} + hours{h} + minutes{mi} + seconds{sec} - offset;
  constexpr auto lowest = ceil<seconds>(system_clock::duration::min());
  constexpr auto highest = floor<seconds>(system_clock::duration::max());
  const auto since_epoch = whole.time_since_epoch();
  const auto sub_second = duration_cast<system_clock::duration>(fraction);
  if (since_epoch > highest ||
      (since_epoch == highest && sub_second > system_clock::duration::max() - highest))
    return system_clock::time_point::max();
  if (since_epoch < lowest) return system_clock::time_point::min();
  return time_point_cast<system_clock::duration>(whole) + sub_second;
}

}  // namespace txrt::protocol
