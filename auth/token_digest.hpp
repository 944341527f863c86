#pragma once
// A token's fingerprint: what the server keeps to recognise a token later (revocation by
// token) without keeping the token itself, and what logs may show instead of it.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace txrt::auth {

// SHA-1 of a token, raw: what a socket keeps (20 bytes in place, where the hex text would be a
// 32-byte string plus a heap block).
using token_sha1 = std::array<std::uint8_t, 20>;

token_sha1 token_sha1_of(std::string_view token);
// 40 lower-case hex digits.
std::string to_hex(const token_sha1& digest);

// SHA-1 of the token, as 40 lower-case hex digits: to_hex(token_sha1_of(token)).
std::string token_digest(std::string_view token);

}  // namespace txrt::auth
