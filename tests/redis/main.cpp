// The tests that need real servers: each test starts its own redis-server on a free port on
// 127.0.0.1 (tests/redis/redis_process.hpp) and stops it by PID; the http validator tests run a
// small Beast server in-process.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cstdlib>

#include <spdlog/spdlog.h>

namespace {
// The code under test logs reconnects and failures on purpose; TXRT_TEST_LOG=1 shows them.
const bool quiet = [] {
  if (!std::getenv("TXRT_TEST_LOG")) spdlog::set_level(spdlog::level::off);
  return true;
}();
}  // namespace
