#pragma once
// The benchmark's event object and the cheap scan that reads it back on the receive path.
//
// An event is published as {"seq":N,"ch":K,"t":NS,"event":"BENCH","customer":"C","pad":"xx…"}:
// seq counts the events of channel K from 0, t is CLOCK_MONOTONIC in nanoseconds when the
// publisher queued it, pad brings the object to the wanted size. The server delivers the object
// byte for byte inside a Socket.IO EVENT, 42["PBX",{"seq":…}], so the three numbers sit right
// after the first '{' and are read without a JSON parser and without allocating.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace txrt::bench {

struct stamp {
  std::uint64_t seq = 0;
  std::uint32_t channel = 0;
  std::uint64_t sent_ns = 0;
};

// Writes the event object into `out` (replacing its contents), at least `bytes` long when
// `bytes` exceeds the fixed fields.
void build_event(std::string& out, const stamp& s, std::string_view customer, std::size_t bytes);

// Reads the stamp of an event object starting at `text[0]` == '{'. False when it is not one of
// ours.
bool scan_event(std::string_view text, stamp& out) noexcept;

// CLOCK_MONOTONIC in nanoseconds: the clock both the publisher and the clients read.
std::uint64_t monotonic_ns() noexcept;

}  // namespace txrt::bench
