#pragma once
// The run, phase by phase: sessions into Redis, the clients connected (the connect phase),
// then the workload's measured phase, the server sampled around it, the report.
#include <atomic>

#include "bench/loadgen/options.hpp"
#include "bench/loadgen/report.hpp"

namespace txrt::bench {

// Runs the benchmark; `stop` (set by a signal) cuts the current phase short.
result run(const options& o, const std::atomic<bool>& stop);

}  // namespace txrt::bench
