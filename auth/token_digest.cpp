#include "auth/token_digest.hpp"

#include <boost/uuid/detail/sha1.hpp>

namespace txrt::auth {

std::string token_digest(std::string_view token) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(token.data(), token.size());
  boost::uuids::detail::sha1::digest_type digest;
  sha.get_digest(digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (unsigned word : digest)
    for (int shift = 28; shift >= 0; shift -= 4) out.push_back(hex[(word >> shift) & 15]);
  return out;
}

}  // namespace txrt::auth
