#pragma once
// A token's fingerprint: what the server keeps to recognise a token later (revocation by
// token) without keeping the token itself, and what logs may show instead of it.
#include <string>
#include <string_view>

namespace txrt::auth {

// SHA-1 of the token, as 40 lower-case hex digits.
std::string token_digest(std::string_view token);

}  // namespace txrt::auth
