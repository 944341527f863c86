// auth/bcrypt: verification through crypt(3), on the OpenBSD test vector and a cost-4 hash,
// and what is refused without hashing.
#include "auth/bcrypt.hpp"

#include <catch2/catch.hpp>

#include <string>

using txrt::auth::bcrypt_matches;
using txrt::auth::is_bcrypt_hash;

namespace {
// From OpenBSD's bcrypt test vectors: "U*U" at cost 5.
constexpr const char* openbsd_vector = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
// "correct horse" at cost 4 ($2b$).
constexpr const char* horse = "$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";
}  // namespace

TEST_CASE("bcrypt: the right password matches, any other does not", "[auth][bcrypt]") {
  CHECK(bcrypt_matches("U*U", openbsd_vector));
  CHECK_FALSE(bcrypt_matches("U*V", openbsd_vector));
  CHECK(bcrypt_matches("correct horse", horse));
  CHECK_FALSE(bcrypt_matches("correct hors", horse));
  CHECK_FALSE(bcrypt_matches("", horse));
}

TEST_CASE("bcrypt: what is not a bcrypt hash never matches", "[auth][bcrypt]") {
  CHECK(is_bcrypt_hash(horse));
  CHECK_FALSE(is_bcrypt_hash(""));
  CHECK_FALSE(is_bcrypt_hash("correct horse"));
  CHECK_FALSE(is_bcrypt_hash("$6$salt$" + std::string(52, 'a')));  // sha512-crypt
  CHECK_FALSE(is_bcrypt_hash(std::string(horse).substr(0, 59)));
  CHECK_FALSE(bcrypt_matches("correct horse", "$1$abc$def"));
  CHECK_FALSE(bcrypt_matches(std::string("correct horse\0x", 15), horse));
  CHECK_FALSE(bcrypt_matches(std::string(2000, 'a'), horse));
}
