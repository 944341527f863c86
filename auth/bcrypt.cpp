#include "auth/bcrypt.hpp"

#include <crypt.h>

#include <memory>

namespace txrt::auth {

bool is_bcrypt_hash(std::string_view hash) noexcept {
  if (hash.size() != 60) return false;
  if (!(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$")))
    return false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return digit(hash[4]) && digit(hash[5]) && hash[6] == '$';
}

bool bcrypt_matches(std::string_view password, std::string_view hash) {
  if (!is_bcrypt_hash(hash) || password.size() > 1024 ||
      password.find('\0') != std::string_view::npos)
    return false;
  const std::string phrase(password);
  const std::string setting(hash);
  // crypt_data is ~32 KB: on the heap, not on a loop's stack.
  auto data = std::make_unique<crypt_data>();
  const char* out = ::crypt_r(phrase.c_str(), setting.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return false;  // "*0" / "*1": crypt's failure tokens
  const std::string_view computed(out);
  if (computed.size() != hash.size()) return false;
  unsigned char diff = 0;  // every byte compared: the time says nothing of where they differ
  for (std::size_t i = 0; i < hash.size(); ++i)
    diff |= static_cast<unsigned char>(computed[i] ^ hash[i]);
  return diff == 0;
}

}  // namespace txrt::auth
