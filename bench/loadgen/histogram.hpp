#pragma once
// A latency histogram in fixed memory, HdrHistogram-like: values below 256 have a bucket each;
// above, every power of two is split into 128 buckets, so a reported percentile is within 0.8 %
// of the true value. Values are nanoseconds; anything past 2^40 ns (about 18 minutes) lands in
// the last bucket. Recording is an index computation and one increment: no allocation.
// Not thread-safe: one histogram per worker thread, merged by the controller.
#include <array>
#include <cstdint>

namespace txrt::bench {

class histogram {
 public:
  static constexpr int sub_bits = 8;                       // 2^8 exact buckets at the bottom
  static constexpr int half = 1 << (sub_bits - 1);         // buckets per power of two above
  static constexpr int max_exponent = 40 - sub_bits + 1;   // values up to 2^40
  static constexpr int bucket_count = (max_exponent + 2) * half;

  void record(std::uint64_t value) noexcept {
    ++counts_[index_of(value)];
    ++total_;
    if (value > max_) max_ = value;
  }
  void merge(const histogram& other) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return max_; }
  // The value at quantile q (0..1): the upper end of the bucket holding it, never above max().
  // 0 when empty.
  std::uint64_t quantile(double q) const noexcept;

  static int index_of(std::uint64_t v) noexcept {
    if (v < (std::uint64_t{1} << sub_bits)) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(v);
    int e = msb - sub_bits + 1;
    if (e > max_exponent) return bucket_count - 1;
    return e * half + static_cast<int>(v >> e);
  }
  // The largest value that falls in bucket `i`.
  static std::uint64_t upper_of(int i) noexcept;

 private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace txrt::bench
