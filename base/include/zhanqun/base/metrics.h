// Prometheus text exposition format, version 0.0.4: what GET /metrics on the
// hub and on every agent answers.
//
// MetricsWriter collects metric families in the order they are started and
// renders each as one "# HELP" line, one "# TYPE" line and its samples.
// Label values and help text are escaped as the format requires (backslash,
// double quote in label values, newline). Build one writer per scrape; it is
// not thread-safe.
//
// Names are chosen by our code, never by input: a malformed metric or label
// name, a counter without the "_total" suffix, a family started twice or a
// sample before any family is a programming error and throws
// std::logic_error (an HTTP handler answers 500 and counts it).
#ifndef ZHANQUN_BASE_METRICS_H_
#define ZHANQUN_BASE_METRICS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zhanqun/base/counters.h"

namespace zhanqun::base {

// The Content-Type of a /metrics answer.
inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { kCounter, kGauge };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsWriter {
 public:
  // Starts a family; later Sample() calls belong to it.
  // REQUIRES: `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* and was not started
  // before; a counter's name ends in "_total".
  void Family(const std::string& name, MetricType type, const std::string& help);

  // Adds a sample to the current family. Label values may be any UTF-8.
  // REQUIRES: a family was started; label names match [a-zA-Z_][a-zA-Z0-9_]*
  // and do not start with "__".
  void Sample(std::uint64_t value, const MetricLabels& labels = {});
  void Sample(std::int64_t value, const MetricLabels& labels = {});
  void Sample(double value, const MetricLabels& labels = {});  // NaN and ±Inf allowed
  // One counter family "<prefix><name>_total" per counter of `set`, with
  // the counter's help text, in declaration order.
  void Counters(const std::string& prefix, const CounterSet& set);

  // The exposition text; ends with a newline when anything was written.
  const std::string& Text() const { return out_; }

 private:
  void Line(const std::string& value, const MetricLabels& labels);

  std::string out_;
  std::string current_;  // name of the family being written
  std::set<std::string> started_;
};

// Escapes a label value: \ -> \\, " -> \", newline -> \n.
std::string EscapeLabelValue(std::string_view value);
// Escapes help text: \ -> \\, newline -> \n.
std::string EscapeHelp(std::string_view help);
// Formats a sample value as the format wants it ("NaN", "+Inf", "-Inf",
// integers without exponent, others with full precision).
std::string FormatMetricValue(double value);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_METRICS_H_
