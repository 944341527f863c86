#pragma once
// Unguessable identifiers (Engine.IO sids, Socket.IO socket ids, request ids): bytes from the
// kernel's CSPRNG, written in the URL-safe base64 alphabet so clients can paste them into URLs.
#include <cstddef>
#include <string>

namespace txrt::util {

// `bytes` random bytes as base64url without padding (4 characters per 3 bytes).
std::string random_id(std::size_t bytes = 15);

}  // namespace txrt::util
