#include "server/util/random_id.hpp"

#include <sys/random.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace txrt::util {

namespace {

// getrandom() per id would be a system call per connection; a per-thread pool refilled in
// 4 KiB blocks keeps it off the connect path.
struct random_pool {
  std::array<std::uint8_t, 4096> bytes{};
  std::size_t used = bytes.size();

  std::uint8_t next() {
    if (used == bytes.size()) {
      std::size_t filled = 0;
      while (filled < bytes.size()) {
        ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
        if (n < 0) throw std::runtime_error("getrandom failed");
        filled += static_cast<std::size_t>(n);
      }
      used = 0;
    }
    return bytes[used++];
  }
};

thread_local random_pool pool;

constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::string random_id(std::size_t bytes) {
  std::string out;
  out.reserve((bytes * 4 + 2) / 3);
  // 6 random bits per character: draw a byte and keep its low 6 bits.
  const std::size_t chars = (bytes * 4 + 2) / 3;
  for (std::size_t i = 0; i < chars; ++i) out.push_back(alphabet[pool.next() & 63]);
  return out;
}

}  // namespace txrt::util
