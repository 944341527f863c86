#pragma once
// The codecs' small JSON toolbox: validation through simdjson (the only simdjson user besides
// the Socket.IO codec), plus writing string literals and scanning text that is already known to
// be valid JSON. Payloads are never re-serialised; these helpers find spans in the caller's text.
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace txrt::protocol::json {

// Parses and fully validates `text` (one JSON value, optional surrounding whitespace, valid
// UTF-8). The DOM lives in a thread_local parser: the returned element, and every string view
// taken from it, is valid only until the next parse() on the same thread. Never throws.
simdjson::simdjson_result<simdjson::dom::element> parse(std::string_view text) noexcept;

// Appends `s` as a JSON string literal, escaping '"', '\\' and control characters.
void append_string(std::string_view s, std::string& out);

// `s` without leading and trailing JSON whitespace (space, tab, line feed, carriage return).
std::string_view trim(std::string_view s) noexcept;

// In valid JSON text, `open` is the index of a '"' that starts a string; returns the index just
// past its closing quote.
std::size_t skip_string(std::string_view text, std::size_t open) noexcept;

// In valid JSON text holding comma-separated values (an array's body, e.g. the arguments of an
// event), the first value, trimmed: `{"a":1},2` -> `{"a":1}`. Empty when `elements` is empty.
std::string_view first_element(std::string_view elements) noexcept;

// The members of a JSON object given as valid JSON text (validate it first), without
// re-serialising: each key as written (between its quotes, escapes not undone) and the raw
// text of its value. Empty when `object_text` is not an object.
struct member_span {
  std::string_view key;
  std::string_view value;
};
std::vector<member_span> object_members(std::string_view object_text);

}  // namespace txrt::protocol::json
