#pragma once
// Password hashes of the admin-password-hash key: bcrypt ($2a$ / $2b$ / $2y$), verified by the
// system's crypt(3) (libxcrypt, Debian's libcrypt1). This file pair is the only user of it.
#include <string>
#include <string_view>

namespace txrt::auth {

// Whether `hash` looks like a bcrypt hash crypt(3) can verify: "$2b$" + two-digit cost + "$" +
// 53 characters of salt and digest.
bool is_bcrypt_hash(std::string_view hash) noexcept;

// Whether `password` hashes to `hash`, compared in constant time. False for a hash that is not
// bcrypt, and for a password with a NUL byte or longer than 1024 bytes (bcrypt reads at most
// 72 of them anyway). Costs what the hash's cost says (~50 ms at cost 10): callers bound it.
bool bcrypt_matches(std::string_view password, std::string_view hash);

}  // namespace txrt::auth
