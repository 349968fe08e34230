#include "svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "zhanqun/base/time.h"

namespace zhanqun::web {
namespace {

// Distinguishable for colour-blind readers (Okabe-Ito like) and dark
// enough for contrast on white.
constexpr const char* kColours[] = {"#0b4f9c", "#a34700", "#14632d", "#8a1212", "#5b1f8a"};
constexpr const char* kDashes[] = {"", "8 4", "2 3", "10 3 2 3", "4 4"};
constexpr int kStyles = 5;

constexpr double kLeft = 64, kRight = 16, kTop = 16, kBottom = 72;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string TimeLabel(double ms) {
  return base::FormatBeijingTime(static_cast<base::TimeMs>(std::floor(ms / 1000.0)) * 1000,
                                 "%H:%M:%S");
}

std::string Marker(int style, double x, double y, const char* colour) {
  const std::string c = colour;
  switch (style) {
    case 0:
      return "<circle cx=\"" + Num(x) + "\" cy=\"" + Num(y) + "\" r=\"3.5\" fill=\"" + c + "\"/>";
    case 1:
      return "<rect x=\"" + Num(x - 3.5) + "\" y=\"" + Num(y - 3.5) +
             "\" width=\"7\" height=\"7\" fill=\"" + c + "\"/>";
    case 2:
      return "<path d=\"M" + Num(x) + " " + Num(y - 4.5) + "L" + Num(x + 4) + " " + Num(y + 3) +
             "L" + Num(x - 4) + " " + Num(y + 3) + "Z\" fill=\"" + c + "\"/>";
    case 3:
      return "<path d=\"M" + Num(x) + " " + Num(y - 4.5) + "L" + Num(x + 4.5) + " " + Num(y) + "L" +
             Num(x) + " " + Num(y + 4.5) + "L" + Num(x - 4.5) + " " + Num(y) + "Z\" fill=\"" + c +
             "\"/>";
    default:
      return "<path d=\"M" + Num(x - 4) + " " + Num(y - 4) + "L" + Num(x + 4) + " " + Num(y + 4) +
             "M" + Num(x + 4) + " " + Num(y - 4) + "L" + Num(x - 4) + " " + Num(y + 4) +
             "\" stroke=\"" + c + "\" stroke-width=\"2\"/>";
  }
}

struct Bounds {
  double x0 = std::numeric_limits<double>::max(), x1 = std::numeric_limits<double>::lowest();
  double y1 = 0;
  bool any = false;
};

Bounds BoundsOf(const LineChart& c) {
  Bounds b;
  for (const ChartSeries& s : c.series) {
    for (const ChartPoint& p : s.points) {
      b.x0 = std::min(b.x0, p.x);
      b.x1 = std::max(b.x1, p.x);
      b.y1 = std::max(b.y1, p.y);
      b.any = true;
    }
  }
  return b;
}

std::string Head(const LineChart& c) {
  const std::string w = std::to_string(c.width), h = std::to_string(c.height);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" width=\"" + w +
         "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h + "\" aria-labelledby=\"" +
         XmlEscape(c.id) + "-title " + XmlEscape(c.id) + "-desc\"><title id=\"" + XmlEscape(c.id) +
         "-title\">" + XmlEscape(c.title) + "</title><desc id=\"" + XmlEscape(c.id) + "-desc\">" +
         XmlEscape(c.desc) + "</desc>" + "<rect x=\"0\" y=\"0\" width=\"" + w + "\" height=\"" + h +
         "\" fill=\"#ffffff\"/>";
}

std::string Text(double x, double y, const std::string& anchor, const std::string& text,
                 const std::string& extra = "") {
  return "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" text-anchor=\"" + anchor +
         "\" font-size=\"12\" fill=\"#1a1a1a\"" + extra + ">" + XmlEscape(text) + "</text>";
}

std::string Axes(const LineChart& c, const LinearScale& xs, const LinearScale& ys,
                 const std::vector<double>& xt, const std::vector<double>& yt) {
  const double plot_bottom = c.height - kBottom, plot_right = c.width - kRight;
  std::string out = "<g class=\"axis\">";
  for (double v : yt) {
    double y = ys(v);
    out += "<line class=\"grid\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(plot_right) + "\" y1=\"" +
           Num(y) + "\" y2=\"" + Num(y) + "\" stroke=\"#d5d8de\"/>";
    out += Text(kLeft - 6, y + 4, "end", FormatNumber(v));
  }
  for (double v : xt) {
    double x = xs(v);
    out += "<line x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(plot_bottom) +
           "\" y2=\"" + Num(plot_bottom + 5) + "\" stroke=\"#1a1a1a\"/>";
    out += Text(x, plot_bottom + 18, "middle", c.x_is_time_ms ? TimeLabel(v) : FormatNumber(v));
  }
  out += "<path d=\"M" + Num(kLeft) + " " + Num(kTop) + "V" + Num(plot_bottom) + "H" +
         Num(plot_right) + "\" fill=\"none\" stroke=\"#1a1a1a\"/>";
  out += Text((kLeft + plot_right) / 2, plot_bottom + 36, "middle", c.x_label);
  out += Text(14, (kTop + plot_bottom) / 2, "middle", c.y_label,
              " transform=\"rotate(-90 14 " + Num((kTop + plot_bottom) / 2) + ")\"");
  return out + "</g>";
}

std::string Legend(const LineChart& c) {
  std::string out = "<g class=\"legend\">";
  double x = kLeft, y = c.height - 14.0;
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    int style = static_cast<int>(i % kStyles);
    const char* colour = kColours[style];
    out += "<line x1=\"" + Num(x) + "\" x2=\"" + Num(x + 24) + "\" y1=\"" + Num(y - 4) +
           "\" y2=\"" + Num(y - 4) + "\" stroke=\"" + colour + "\" stroke-width=\"2\"" +
           (*kDashes[style] ? std::string(" stroke-dasharray=\"") + kDashes[style] + "\"" : "") +
           "/>";
    out += Marker(style, x + 12, y - 4, colour);
    out += Text(x + 30, y, "start", c.series[i].name);
    x += 40 + 13.0 * static_cast<double>(c.series[i].name.size()) / 2;
  }
  return out + "</g>";
}

std::string Series(const ChartSeries& s, int style, const LinearScale& xs, const LinearScale& ys) {
  if (s.points.empty()) return "";
  std::vector<ChartPoint> pts = s.points;
  std::sort(pts.begin(), pts.end(),
            [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
  const char* colour = kColours[style];
  std::string d;
  for (const ChartPoint& p : pts) d += (d.empty() ? "M" : "L") + Num(xs(p.x)) + " " + Num(ys(p.y));
  std::string out =
      "<g class=\"series\"><path d=\"" + d + "\" fill=\"none\" stroke=\"" + colour +
      "\" stroke-width=\"2\"" +
      (*kDashes[style] ? std::string(" stroke-dasharray=\"") + kDashes[style] + "\"" : "") + "/>";
  for (const ChartPoint& p : pts) out += Marker(style, xs(p.x), ys(p.y), colour);
  return out + "</g>";
}

}  // namespace

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

double LinearScale::operator()(double v) const {
  if (d1 == d0) return (r0 + r1) / 2;
  return r0 + (v - d0) * (r1 - r0) / (d1 - d0);
}

std::vector<double> NiceTicks(double lo, double hi, int max_ticks) {
  if (hi == lo) {
    double pad = lo == 0 ? 1 : std::abs(lo) * 0.5;
    lo -= pad;
    hi += pad;
  }
  double raw = (hi - lo) / max_ticks;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> out;
  double start = std::floor(lo / step) * step;
  for (double v = start; v < hi + step * 0.999; v += step)
    out.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string RenderLineChart(const LineChart& c) {
  const double plot_bottom = c.height - kBottom, plot_right = c.width - kRight;
  Bounds b = BoundsOf(c);
  std::string out = Head(c);
  if (!b.any) {
    out += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(kTop) + "\" width=\"" +
           Num(plot_right - kLeft) + "\" height=\"" + Num(plot_bottom - kTop) +
           "\" fill=\"none\" stroke=\"#b8bcc4\"/>";
    out += Text((kLeft + plot_right) / 2, (kTop + plot_bottom) / 2, "middle", "暂无数据");
    return out + "</svg>";
  }
  if (b.x0 == b.x1) {
    // One publish time: a minute (or one unit) either side, not the whole epoch.
    const double pad = c.x_is_time_ms ? 60000 : 1;
    b.x0 -= pad;
    b.x1 += pad;
  }
  std::vector<double> yt = NiceTicks(0, std::max(b.y1, 0.0), 5);
  std::vector<double> xt = NiceTicks(b.x0, b.x1, std::max(2, c.width / 140));
  if (c.x_is_time_ms) {
    // Whole seconds at least.
    xt.erase(
        std::remove_if(xt.begin(), xt.end(), [](double v) { return std::fmod(v, 1000.0) != 0; }),
        xt.end());
  }
  LinearScale xs{b.x0, b.x1, kLeft, plot_right};
  if (!xt.empty()) xs = {std::min(b.x0, xt.front()), std::max(b.x1, xt.back()), kLeft, plot_right};
  LinearScale ys{yt.front(), yt.back(), plot_bottom, kTop};
  out += Axes(c, xs, ys, xt, yt);
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    out += Series(c.series[i], static_cast<int>(i % kStyles), xs, ys);
  }
  out += Legend(c);
  return out + "</svg>";
}

}  // namespace zhanqun::web
