#pragma once
// A property check for the fuzz targets: a failed property aborts, so libFuzzer records the
// input as a crash (assert() would vanish under NDEBUG in RelWithDebInfo).
#include <cstdio>
#include <cstdlib>

#define TXRT_FUZZ_CHECK(cond)                                                               \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);      \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)
