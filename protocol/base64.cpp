#include "protocol/base64.hpp"

#include <boost/beast/core/detail/base64.hpp>

namespace txrt::protocol {

namespace b64 = boost::beast::detail::base64;

namespace {

bool is_alphabet(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Beast's decoder silently stops at the first character outside the alphabet, so the input is
// checked here first: a truncated or corrupted attachment must be an error, not shorter data.
bool is_valid(std::string_view in) noexcept {
  if (in.size() % 4 != 0) return false;
  std::size_t padding = 0;
  while (padding < 2 && padding < in.size() && in[in.size() - 1 - padding] == '=') ++padding;
  for (std::size_t i = 0; i < in.size() - padding; ++i) {
    if (!is_alphabet(in[i])) return false;
  }
  return true;
}

}  // namespace

void base64_encode(std::string_view in, std::string& out) {
  const std::size_t old = out.size();
  out.resize(old + b64::encoded_size(in.size()));
  const std::size_t n = b64::encode(out.data() + old, in.data(), in.size());
  out.resize(old + n);
}

bool base64_decode(std::string_view in, std::string& out) {
  if (!is_valid(in)) return false;
  const std::size_t old = out.size();
  out.resize(old + b64::decoded_size(in.size()));
  const auto [written, read] = b64::decode(out.data() + old, in.data(), in.size());
  out.resize(old + written);
  return true;
}

}  // namespace txrt::protocol
