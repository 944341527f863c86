#include <array>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "metrics/registry.hpp"

using namespace txrt::metrics;

namespace {

constexpr std::array<std::string_view, 2> transports{"polling", "websocket"};
constexpr std::array<std::string_view, 2> protocols{"3", "4"};
constexpr std::array<std::string_view, 3> reasons{"a", "b", "c"};
constexpr std::array<double, 3> bounds{0.001, 0.5, 5};

}  // namespace

TEST_CASE("a counter with one label renders every value", "[metrics]") {
  registry r;
  family<counter> closed("txrt_closed_total", "Closed sessions.", {"reason", reasons}, r);
  closed.at(1).inc();
  closed.at(1).inc(2);
  CHECK(closed.at(1).value() == 3);
  CHECK(r.render() ==
        "# HELP txrt_closed_total Closed sessions.\n"
        "# TYPE txrt_closed_total counter\n"
        "txrt_closed_total{reason=\"a\"} 0\n"
        "txrt_closed_total{reason=\"b\"} 3\n"
        "txrt_closed_total{reason=\"c\"} 0\n");
}

TEST_CASE("a gauge with two labels and one without", "[metrics]") {
  registry r;
  family<gauge> open("txrt_connections", "Open sessions.", {"transport", transports},
                     {"protocol", protocols}, r);
  family<gauge> queued("txrt_queue_bytes", "Queued bytes.", r);
  open.at(1, 1).inc();
  open.at(0, 0).inc(2);
  open.at(0, 0).dec();
  queued.get().inc(100);
  queued.get().dec(40);
  CHECK(r.render() ==
        "# HELP txrt_connections Open sessions.\n"
        "# TYPE txrt_connections gauge\n"
        "txrt_connections{transport=\"polling\",protocol=\"3\"} 1\n"
        "txrt_connections{transport=\"polling\",protocol=\"4\"} 0\n"
        "txrt_connections{transport=\"websocket\",protocol=\"3\"} 0\n"
        "txrt_connections{transport=\"websocket\",protocol=\"4\"} 1\n"
        "# HELP txrt_queue_bytes Queued bytes.\n"
        "# TYPE txrt_queue_bytes gauge\n"
        "txrt_queue_bytes 60\n");
}

TEST_CASE("a histogram renders cumulative buckets, sum and count", "[metrics]") {
  registry r;
  histogram h("txrt_duration_seconds", "Durations.", bounds, r);
  h.observe(0.0009765625);  // first bucket (2^-10: the sum stays exact)
  h.observe(0.5);           // on a bound: that bucket (le is inclusive)
  h.observe(2);
  h.observe(10);  // +Inf only
  CHECK(r.render() ==
        "# HELP txrt_duration_seconds Durations.\n"
        "# TYPE txrt_duration_seconds histogram\n"
        "txrt_duration_seconds_bucket{le=\"0.001\"} 1\n"
        "txrt_duration_seconds_bucket{le=\"0.5\"} 2\n"
        "txrt_duration_seconds_bucket{le=\"5\"} 3\n"
        "txrt_duration_seconds_bucket{le=\"+Inf\"} 4\n"
        "txrt_duration_seconds_sum 12.5009765625\n"
        "txrt_duration_seconds_count 4\n");
}

TEST_CASE("a family leaves its registry when destroyed", "[metrics]") {
  registry r;
  { family<counter> gone("txrt_gone_total", "Gone.", r); }
  family<counter> kept("txrt_kept_total", "Kept.", r);
  CHECK(r.render() ==
        "# HELP txrt_kept_total Kept.\n# TYPE txrt_kept_total counter\n"
        "txrt_kept_total 0\n");
}

TEST_CASE("index_of finds a label value", "[metrics]") {
  CHECK(index_of(reasons, "b") == 1);
  CHECK(index_of(reasons, "z") == reasons.size());
}
