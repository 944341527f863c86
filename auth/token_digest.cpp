#include "auth/token_digest.hpp"

#include <boost/uuid/detail/sha1.hpp>

namespace txrt::auth {

token_sha1 token_sha1_of(std::string_view token) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(token.data(), token.size());
  boost::uuids::detail::sha1::digest_type digest;
  sha.get_digest(digest);
  token_sha1 out;
  // Big-endian, word by word: the byte order of the hex text.
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(digest[i / 4] >> (24 - 8 * (i % 4)));
  return out;
}

std::string to_hex(const token_sha1& digest) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * digest.size());
  for (std::uint8_t byte : digest) {
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 15]);
  }
  return out;
}

std::string token_digest(std::string_view token) { return to_hex(token_sha1_of(token)); }

}  // namespace txrt::auth
