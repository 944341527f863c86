#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>

namespace txrt::metrics {

namespace {

void append_double(double v, std::string& out) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc{} ? end : buf);
}

}  // namespace

registry& registry::global() {
  static registry r;
  return r;
}

void registry::add(const family_base& f) {
  std::lock_guard lock(mutex_);
  families_.push_back(&f);
}

void registry::remove(const family_base& f) {
  std::lock_guard lock(mutex_);
  std::erase(families_, &f);
}

std::string registry::render() const {
  std::string out;
  out.reserve(8192);
  std::lock_guard lock(mutex_);
  for (const auto* f : families_) f->render(out);
  return out;
}

family_base::family_base(std::string_view name, std::string_view help, std::string_view type,
                         std::vector<label> labels, registry& r)
    : name_(name), help_(help), type_(type), registry_(r) {
  // Every combination of label values, the last label varying fastest.
  selectors_.emplace_back();
  for (const auto& l : labels) {
    std::vector<std::string> next;
    next.reserve(selectors_.size() * l.values.size());
    for (const auto& prefix : selectors_) {
      for (const auto v : l.values) {
        std::string s = prefix.empty() ? "{" : prefix.substr(0, prefix.size() - 1) + ",";
        s.append(l.name).append("=\"").append(v).append("\"}");
        next.push_back(std::move(s));
      }
    }
    selectors_ = std::move(next);
  }
  if (labels.size() == 2) stride_ = labels[1].values.size();
}

family_base::~family_base() {
  registry_.remove(*this);
}

void family_base::render(std::string& out) const {
  out.append("# HELP ").append(name_).push_back(' ');
  out.append(help_).push_back('\n');
  out.append("# TYPE ").append(name_).push_back(' ');
  out.append(type_).push_back('\n');
  for (std::size_t i = 0; i < selectors_.size(); ++i) render_series(i, selectors_[i], out);
}

histogram::histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                     registry& r)
    : family_base(name, help, "histogram", {}, r),
      bounds_(bounds.begin(), bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {
  enrol();
}

void histogram::observe(double value) noexcept {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

void histogram::render_series(std::size_t, std::string_view, std::string& out) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out.append(name_).append("_bucket{le=\"");
    if (i < bounds_.size())
      append_double(bounds_[i], out);
    else
      out.append("+Inf");
    out.append("\"} ").append(std::to_string(cumulative)).push_back('\n');
  }
  out.append(name_).append("_sum ");
  append_double(sum_.load(std::memory_order_relaxed), out);
  out.push_back('\n');
  // The count is the +Inf bucket, so that the two agree within one scrape.
  out.append(name_).append("_count ").append(std::to_string(cumulative)).push_back('\n');
}

std::size_t index_of(std::span<const std::string_view> values, std::string_view value) noexcept {
  return static_cast<std::size_t>(std::find(values.begin(), values.end(), value) - values.begin());
}

}  // namespace txrt::metrics
