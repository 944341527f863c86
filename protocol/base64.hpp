#pragma once
// Standard base64 (RFC 4648, with '=' padding), as Engine.IO polling payloads carry binary
// messages. The only place that knows which library does the work (Boost.Beast's detail codec).
#include <string>
#include <string_view>

namespace txrt::protocol {

// Appends the padded base64 form of `in` to `out`.
void base64_encode(std::string_view in, std::string& out);

// Appends the bytes encoded by `in` to `out`. Strict: the length must be a multiple of 4, only
// the standard alphabet is allowed and '=' may appear only as one or two final characters.
// Returns false (leaving `out` unchanged) on any violation; the empty string decodes to nothing.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace txrt::protocol
