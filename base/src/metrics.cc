#include "zhanqun/base/metrics.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace zhanqun::base {

namespace {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool ValidName(std::string_view name, bool colons) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = IsLetter(c) || (colons && c == ':') || (i > 0 && IsDigit(c));
    if (!ok) return false;
  }
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Escape(std::string_view s, bool quotes) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) { return Escape(value, true); }

std::string EscapeHelp(std::string_view help) { return Escape(help, false); }

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) throw std::logic_error("metrics: cannot format a sample value");
  return std::string(buf, end);
}

void MetricsWriter::Family(const std::string& name, MetricType type, const std::string& help) {
  if (!ValidName(name, true)) throw std::logic_error("metrics: invalid metric name '" + name + "'");
  if (type == MetricType::kCounter && !EndsWith(name, "_total")) {
    throw std::logic_error("metrics: counter '" + name + "' must end in _total");
  }
  if (!started_.insert(name).second) {
    throw std::logic_error("metrics: family '" + name + "' written twice");
  }
  current_ = name;
  out_ += "# HELP " + name + " " + EscapeHelp(help) + "\n";
  out_ += "# TYPE " + name + (type == MetricType::kCounter ? " counter\n" : " gauge\n");
}

void MetricsWriter::Sample(std::uint64_t value, const MetricLabels& labels) {
  Line(std::to_string(value), labels);
}

void MetricsWriter::Sample(std::int64_t value, const MetricLabels& labels) {
  Line(std::to_string(value), labels);
}

void MetricsWriter::Sample(double value, const MetricLabels& labels) {
  Line(FormatMetricValue(value), labels);
}

void MetricsWriter::Line(const std::string& value, const MetricLabels& labels) {
  if (current_.empty()) throw std::logic_error("metrics: sample written before any family");
  for (const auto& label : labels) {
    if (!ValidName(label.first, false) || label.first.rfind("__", 0) == 0) {
      throw std::logic_error("metrics: invalid label name '" + label.first + "' on " + current_);
    }
  }
  out_ += current_;
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const auto& [name, label_value] = labels[i];
      if (i > 0) out_ += ',';
      out_ += name + "=\"" + EscapeLabelValue(label_value) + "\"";
    }
    out_ += '}';
  }
  out_ += ' ' + value + '\n';
}

void MetricsWriter::Counters(const std::string& prefix, const CounterSet& set) {
  for (const Counter* c : set.counters()) {
    Family(prefix + c->name() + "_total", MetricType::kCounter, c->help());
    Sample(c->load());
  }
}

}  // namespace zhanqun::base
