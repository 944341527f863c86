#pragma once
// Process-wide Prometheus metrics: counters, gauges and histograms with a fixed set of label
// values, rendered in the text exposition format (version 0.0.4).
//
// Contract: a family is created once (in practice a namespace-scope object) with every label
// value it will ever have, registers itself in a registry, and unregisters when destroyed.
// Creating and destroying families takes the registry's lock and allocates; updating a series
// does not: it is one relaxed atomic operation on a slot found by index (label values are
// enums, so the caller passes the enum's value), callable from any thread, with no lock, no
// map lookup and no allocation. A render reads each atomic on its own, so a scrape is not a
// snapshot consistent across series; Prometheus does not need one.
//
// Label values and help texts are fixed strings chosen by us: they must not contain '"', '\'
// or a newline (nothing is escaped).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace txrt::metrics {

class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class gauge {
 public:
  void inc(std::int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void dec(std::int64_t n = 1) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }
  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// One label of a family and every value it may take, in index order.
struct label {
  std::string_view name;
  std::span<const std::string_view> values;
};

class family_base;

class registry {
 public:
  // The registry that GET /metrics renders.
  static registry& global();

  void add(const family_base& f);
  void remove(const family_base& f);
  // Every family, in the order they were added.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::vector<const family_base*> families_;
};

// A metric name, its help and type, and its series: one per combination of label values.
class family_base {
 public:
  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;
  virtual ~family_base();

  // Appends "# HELP", "# TYPE" and every series.
  void render(std::string& out) const;

 protected:
  family_base(std::string_view name, std::string_view help, std::string_view type,
              std::vector<label> labels, registry& r);
  // Called at the end of the derived constructor, once the series exist.
  void enrol() { registry_.add(*this); }
  std::size_t series_count() const noexcept { return selectors_.size(); }
  std::size_t stride() const noexcept { return stride_; }
  // Appends the sample lines of series `i`; `selector` is its `{a="x",b="y"}` (or empty).
  virtual void render_series(std::size_t i, std::string_view selector, std::string& out) const = 0;

  std::string name_;

 private:
  std::string help_;
  std::string_view type_;
  std::vector<std::string> selectors_;
  std::size_t stride_ = 1;  // the number of values of the second label (index = i * stride + j)
  registry& registry_;
};

// A counter or gauge family with no, one or two labels.
template <class Metric>
class family final : public family_base {
 public:
  family(std::string_view name, std::string_view help, registry& r = registry::global())
      : family(name, help, std::vector<label>{}, r) {}
  family(std::string_view name, std::string_view help, label a, registry& r = registry::global())
      : family(name, help, std::vector<label>{a}, r) {}
  family(std::string_view name, std::string_view help, label a, label b,
         registry& r = registry::global())
      : family(name, help, std::vector<label>{a, b}, r) {}
  ~family() override = default;

  // The series without labels.
  Metric& get() noexcept { return series_[0]; }
  // The series of value `i` of the (first) label.
  Metric& at(std::size_t i) noexcept { return series_[i]; }
  // The series of value `i` of the first label and value `j` of the second.
  Metric& at(std::size_t i, std::size_t j) noexcept { return series_[i * stride() + j]; }

 private:
  family(std::string_view name, std::string_view help, std::vector<label> labels, registry& r)
      : family_base(name, help, type_name(), std::move(labels), r),
        series_(std::make_unique<Metric[]>(series_count())) {
    enrol();
  }
  static constexpr std::string_view type_name() {
    if constexpr (std::is_same_v<Metric, counter>)
      return "counter";
    else
      return "gauge";
  }
  void render_series(std::size_t i, std::string_view selector, std::string& out) const override {
    out.append(name_).append(selector).push_back(' ');
    out.append(std::to_string(series_[i].value())).push_back('\n');
  }

  std::unique_ptr<Metric[]> series_;
};

// A histogram without labels. `bounds` are the ascending upper bounds of the buckets; the +Inf
// bucket is implicit.
class histogram final : public family_base {
 public:
  histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
            registry& r = registry::global());
  ~histogram() override = default;

  void observe(double value) noexcept;

 private:
  void render_series(std::size_t i, std::string_view selector, std::string& out) const override;

  std::vector<double> bounds_;
  // Non-cumulative counts, one per bound and one for +Inf; the render accumulates them.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0.0};
};

// The index of `value` in `values`, or values.size() when absent (for codes that arrive as
// strings; not for the hot path).
std::size_t index_of(std::span<const std::string_view> values, std::string_view value) noexcept;

}  // namespace txrt::metrics
