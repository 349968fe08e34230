// Server-rendered SVG charts for the console (no JavaScript). Output is a
// self-contained <svg role="img"> with <title> and <desc>, presentation
// attributes only (the CSP forbids inline styles), and series that differ by
// dash pattern and marker shape as well as colour. Pure functions;
// thread-safe.
#ifndef ZHANQUN_WEB_SRC_SVG_H_
#define ZHANQUN_WEB_SRC_SVG_H_

#include <string>
#include <string_view>
#include <vector>

namespace zhanqun::web {

// Escapes & < > " ' for XML text and attribute values.
std::string XmlEscape(std::string_view s);

// Maps [d0, d1] linearly onto [r0, r1]. A zero-width domain maps every
// value to the middle of the range.
struct LinearScale {
  double d0 = 0, d1 = 1, r0 = 0, r1 = 1;
  double operator()(double v) const;
};

// At most max_ticks+1 "nice" tick values (1, 2, 5 × 10^n steps) covering
// [lo, hi]; the first is <= lo and the last >= hi. lo == hi gives a range
// around the value. REQUIRES: max_ticks >= 1, lo <= hi.
std::vector<double> NiceTicks(double lo, double hi, int max_ticks);

// "12", "1.5", "0.25": at most 2 decimals, no trailing zeros.
std::string FormatNumber(double v);

struct ChartPoint {
  double x = 0, y = 0;
};

struct ChartSeries {
  std::string name;  // shown in the legend
  std::vector<ChartPoint> points;
};

struct LineChart {
  std::string id;     // unique on the page; prefixes the ids of <title>/<desc>
  std::string title;  // <title>: the chart's accessible name
  std::string desc;   // <desc>: what it shows, in one or two sentences
  std::string x_label, y_label;
  // x values are times in ms since the epoch: ticks read HH:MM:SS, Beijing
  // time (UTC+8).
  bool x_is_time_ms = false;
  int width = 720, height = 320;
  std::vector<ChartSeries> series;
};

// The chart as SVG markup. With no points at all it still renders the frame
// and the text "暂无数据" (no data).
std::string RenderLineChart(const LineChart& chart);

}  // namespace zhanqun::web

#endif  // ZHANQUN_WEB_SRC_SVG_H_
