// The request target of an Engine.IO request (query parsing, path) and the client address from
// X-Forwarded-For. The input is split at its first '\n' into the peer and the header.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/engineio/handshake.hpp"
#include "protocol/forwarded.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto q = txrt::eio::parse_engine_query(input)) {
    TXRT_FUZZ_CHECK(q->eio == 0 || q->eio == 3 || q->eio == 4);
  }
  auto path = txrt::eio::target_path(input);
  TXRT_FUZZ_CHECK(path.size() <= input.size() && input.starts_with(path));

  static const std::vector<std::string> proxies = {"10.0.0.1", "127.0.0.1", "::1",
                                                   "::ffff:10.0.0.2", "fd00::1"};
  const auto nl = input.find('\n');
  const std::string_view peer = input.substr(0, nl);
  const std::string_view header =
      nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  auto client = txrt::protocol::client_address(peer, header, proxies);
  TXRT_FUZZ_CHECK(client.size() <= input.size());
  return 0;
}
