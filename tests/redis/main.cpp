// The tests that need real servers: each test starts its own redis-server on a free port on
// 127.0.0.1 (tests/redis/redis_process.hpp) and stops it by PID; the http validator tests run a
// small Beast server in-process.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
