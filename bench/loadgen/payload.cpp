#include "bench/loadgen/payload.hpp"

#include <time.h>

#include <charconv>

namespace txrt::bench {

namespace {

void append_number(std::string& out, std::uint64_t v) {
  char digits[24];
  auto r = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, r.ptr);
}

// Expects `literal` at `p`, then an unsigned decimal; advances `p` past both.
bool read_field(const char*& p, const char* end, std::string_view literal,
                std::uint64_t& value) noexcept {
  if (static_cast<std::size_t>(end - p) < literal.size() ||
      std::string_view(p, literal.size()) != literal)
    return false;
  p += literal.size();
  auto r = std::from_chars(p, end, value);
  if (r.ec != std::errc{} || r.ptr == p) return false;
  p = r.ptr;
  return true;
}

}  // namespace

void build_event(std::string& out, const stamp& s, std::string_view customer, std::size_t bytes) {
  out.clear();
  out += "{\"seq\":";
  append_number(out, s.seq);
  out += ",\"ch\":";
  append_number(out, s.channel);
  out += ",\"t\":";
  append_number(out, s.sent_ns);
  out += ",\"event\":\"BENCH\",\"customer\":\"";
  out += customer;
  out += "\",\"pad\":\"";
  constexpr std::size_t tail = 2;  // "}
  if (out.size() + tail < bytes) out.append(bytes - out.size() - tail, 'x');
  out += "\"}";
}

bool scan_event(std::string_view text, stamp& out) noexcept {
  const char* p = text.data();
  const char* end = p + text.size();
  std::uint64_t channel = 0;
  if (!read_field(p, end, "{\"seq\":", out.seq)) return false;
  if (!read_field(p, end, ",\"ch\":", channel)) return false;
  if (!read_field(p, end, ",\"t\":", out.sent_ns)) return false;
  out.channel = static_cast<std::uint32_t>(channel);
  return true;
}

std::uint64_t monotonic_ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace txrt::bench
