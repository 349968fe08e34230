#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "zhanqun/base/metrics.h"

namespace zhanqun::base {
namespace {

TEST_CASE("a metrics family is written with its help, its type and its samples",
          "[feeds][metrics]") {
  MetricsWriter w;
  w.Family("zhanqun_test_fetches_total", MetricType::kCounter, "Feed pages fetched.");
  w.Sample(std::uint64_t{42});
  w.Family("zhanqun_test_head_seq", MetricType::kGauge, "Head of each log.");
  w.Sample(std::uint64_t{7}, {{"origin", "000000"}});
  w.Sample(std::uint64_t{3}, {{"origin", "330100"}, {"level", "city"}});
  CHECK(w.Text() ==
        "# HELP zhanqun_test_fetches_total Feed pages fetched.\n"
        "# TYPE zhanqun_test_fetches_total counter\n"
        "zhanqun_test_fetches_total 42\n"
        "# HELP zhanqun_test_head_seq Head of each log.\n"
        "# TYPE zhanqun_test_head_seq gauge\n"
        "zhanqun_test_head_seq{origin=\"000000\"} 7\n"
        "zhanqun_test_head_seq{origin=\"330100\",level=\"city\"} 3\n");
}

TEST_CASE("metric label values escape backslash, double quote and newline", "[feeds][metrics]") {
  CHECK(EscapeLabelValue("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(EscapeLabelValue("西湖区") == "西湖区");
  MetricsWriter w;
  w.Family("zhanqun_test_info", MetricType::kGauge, "Help with \\ and\nnewline, \"quotes\" kept.");
  w.Sample(std::uint64_t{1}, {{"name", "say \"hi\"\\\n"}});
  CHECK(w.Text() ==
        "# HELP zhanqun_test_info Help with \\\\ and\\nnewline, \"quotes\" kept.\n"
        "# TYPE zhanqun_test_info gauge\n"
        "zhanqun_test_info{name=\"say \\\"hi\\\"\\\\\\n\"} 1\n");
}

TEST_CASE("metric values are written as Prometheus parses them", "[feeds][metrics]") {
  CHECK(FormatMetricValue(0.0) == "0");
  CHECK(FormatMetricValue(2.5) == "2.5");
  CHECK(FormatMetricValue(1234567.0) == "1234567");
  CHECK(FormatMetricValue(-0.125) == "-0.125");
  CHECK(FormatMetricValue(std::nan("")) == "NaN");
  CHECK(FormatMetricValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatMetricValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  MetricsWriter w;
  w.Family("zhanqun_test_lag_seconds", MetricType::kGauge, "Lag.");
  w.Sample(std::int64_t{-3});
  w.Sample(std::uint64_t{18446744073709551615u}, {{"node", "x"}});
  CHECK_THAT(w.Text(), Catch::Contains("zhanqun_test_lag_seconds -3\n"));
  CHECK_THAT(w.Text(), Catch::Contains("{node=\"x\"} 18446744073709551615\n"));
}

TEST_CASE("the metrics content type is the text format version 0.0.4", "[feeds][metrics]") {
  CHECK(std::string(kMetricsContentType) == "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("a metrics writer refuses names that would make the exposition invalid",
          "[feeds][metrics]") {
  MetricsWriter w;
  CHECK_THROWS_AS(w.Sample(std::uint64_t{1}), std::logic_error);  // no family yet
  CHECK_THROWS_AS(w.Family("", MetricType::kGauge, "h"), std::logic_error);
  CHECK_THROWS_AS(w.Family("1abc", MetricType::kGauge, "h"), std::logic_error);
  CHECK_THROWS_AS(w.Family("zhanqun-hub", MetricType::kGauge, "h"), std::logic_error);
  CHECK_THROWS_AS(w.Family("zhanqun_fetches", MetricType::kCounter, "h"), std::logic_error);
  w.Family("zhanqun_ok:rate", MetricType::kGauge, "colons are allowed in metric names");
  CHECK_THROWS_AS(w.Family("zhanqun_ok:rate", MetricType::kGauge, "again"), std::logic_error);
  CHECK_THROWS_AS(w.Sample(std::uint64_t{1}, {{"bad-label", "v"}}), std::logic_error);
  CHECK_THROWS_AS(w.Sample(std::uint64_t{1}, {{"__reserved", "v"}}), std::logic_error);
  CHECK_THROWS_AS(w.Sample(std::uint64_t{1}, {{"a:b", "v"}}), std::logic_error);
  w.Sample(std::uint64_t{1}, {{"_ok9", "v"}});
  CHECK_THAT(w.Text(), Catch::EndsWith("zhanqun_ok:rate{_ok9=\"v\"} 1\n"));
}

}  // namespace
}  // namespace zhanqun::base
