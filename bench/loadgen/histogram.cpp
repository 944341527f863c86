#include "bench/loadgen/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace txrt::bench {

void histogram::merge(const histogram& other) noexcept {
  for (int i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  max_ = std::max(max_, other.max_);
}

void histogram::reset() noexcept {
  counts_.fill(0);
  total_ = 0;
  max_ = 0;
}

std::uint64_t histogram::upper_of(int i) noexcept {
  if (i < (1 << sub_bits)) return static_cast<std::uint64_t>(i);
  const int e = i / half - 1;
  const std::uint64_t m = static_cast<std::uint64_t>(i - e * half);
  return ((m + 1) << e) - 1;
}

std::uint64_t histogram::quantile(double q) const noexcept {
  if (total_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the wanted sample, 1-based: the smallest value with at least q of the samples
  // at or below it.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_)));
  rank = std::clamp<std::uint64_t>(rank, 1, total_);
  std::uint64_t seen = 0;
  for (int i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_of(i), max_);
  }
  return max_;
}

}  // namespace txrt::bench
