#pragma once
// Client-provided text on its way to a log line or a bounded field: pure functions, no I/O.
//
// Text logs are "key=value" lines. A value a client chose (its `client` name, `instanceId`, the
// `ip` it reports, anything else it sent) must not be able to end the line and forge the next
// one, nor hide what follows from a terminal: log_text() writes it with every byte outside
// printable text escaped. Cutting such text to a bound must not split a UTF-8 character, or the
// JSON that carries it later (REALTIME events, /clients) is no longer valid.
#include <cstddef>
#include <string>
#include <string_view>

namespace txrt::protocol {

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// multi-byte character. Valid UTF-8 in, valid UTF-8 out.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

// `text` for a text log line: backslash -> \\, newline -> \n, carriage return -> \r, tab ->
// \t, space -> \x20 (so that a value cannot forge another key=value pair), '"' -> \x22, other
// ASCII controls and DEL -> \xNN, bytes that are not valid UTF-8 -> \xNN, and the Unicode
// characters that act as line breaks or reorder text (U+0085, U+2028, U+2029, U+200E/F,
// U+202A..U+202E, U+2066..U+2069) -> \u{XXXX}. Everything else is copied.
std::string log_text(std::string_view text);

}  // namespace txrt::protocol
