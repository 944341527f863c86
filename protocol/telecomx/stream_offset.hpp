#pragma once
// Where an event stands in the stream of events every node receives (SPEC §11, docs/recovery.md),
// and the offset string that carries it to a client as the event's last argument.
//
// Every node receives the same event-channel messages in the same order (one Redis pub/sub
// stream). A recovery marker, published into that stream with a number no earlier marker had,
// starts an epoch; the events after it are counted 1, 2, ... So (epoch, index) names the same
// event on every node that received that marker, and positions compare the same everywhere:
// a client's offset from one node can be looked up in another node's history.
//
// The wire form is "<epoch>-<index>" in decimal, e.g. "1764633600123-42". Epoch 0 means "not
// known": events a node receives after (re)joining the stream and before its first marker; an
// offset with epoch 0 never recovers anything.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace txrt::telecomx {

struct stream_offset {
  std::uint64_t epoch = 0;
  std::uint64_t index = 0;  // 0: the marker itself (a position, never an event)

  bool known() const noexcept { return epoch != 0; }
  auto operator<=>(const stream_offset&) const = default;
};

// The longest wire form: two 20-digit numbers and a dash.
inline constexpr std::size_t max_offset_chars = 41;

std::string to_string(stream_offset o);
// Appends the wire form to `out` (no allocation beyond `out`'s growth).
void append_offset(stream_offset o, std::string& out);
// nullopt unless `text` is exactly "<digits>-<digits>", each part a number that fits 64 bits
// without leading zeros (so that one position has one spelling).
std::optional<stream_offset> parse_offset(std::string_view text) noexcept;

}  // namespace txrt::telecomx
