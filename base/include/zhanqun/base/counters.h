// Counters declared once. A service's counters are members of a struct
// derived from CounterSet, each constructed with its name and help text:
//
//   struct HubCounters : base::CounterSet {
//     base::Counter releases_published{*this, "releases_published",
//                                      "Releases signed and appended to the hub's log."};
//   };
//
// and every rendering walks the set: CountersJson for /api/v1/counters,
// MetricsWriter::Counters for /metrics, so a counter added to the struct
// shows up everywhere without another edit (Envoy's stats, without macros).
//
// Counter is thread-safe (relaxed atomics: counters order nothing). A
// CounterSet is filled while its members are constructed and never changes
// afterwards; it is neither copyable nor movable, since its counters point
// into it.
#ifndef ZHANQUN_BASE_COUNTERS_H_
#define ZHANQUN_BASE_COUNTERS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace zhanqun::base {

class Counter;

class CounterSet {
 public:
  CounterSet() = default;
  CounterSet(const CounterSet&) = delete;
  CounterSet& operator=(const CounterSet&) = delete;

  // In declaration order.
  const std::vector<const Counter*>& counters() const { return counters_; }

 private:
  friend class Counter;
  std::vector<const Counter*> counters_;
};

class Counter {
 public:
  // REQUIRES: `name` matches [a-z][a-z0-9_]* and is unique in `set`; both
  // strings outlive the counter (literals).
  Counter(CounterSet& set, const char* name, const char* help) : name_(name), help_(help) {
    set.counters_.push_back(this);
  }
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void operator++(int) { value_.fetch_add(1, std::memory_order_relaxed); }
  void operator++() { value_.fetch_add(1, std::memory_order_relaxed); }
  Counter& operator+=(std::uint64_t n) {
    value_.fetch_add(n, std::memory_order_relaxed);
    return *this;
  }
  std::uint64_t load() const { return value_.load(std::memory_order_relaxed); }
  // Reads like the integer it counts (tests compare counters with numbers).
  operator std::uint64_t() const { return load(); }  // NOLINT: implicit by design
  const char* name() const { return name_; }
  const char* help() const { return help_; }

 private:
  const char* name_;
  const char* help_;
  std::atomic<std::uint64_t> value_{0};
};

// {"<name>": <value>, ...} of every counter of `sets` and then of `values`
// (gauges that belong beside them), as one flat JSON object; a name given
// twice keeps the later value. Null sets are skipped.
std::string CountersJson(const std::vector<const CounterSet*>& sets,
                         const std::vector<std::pair<std::string, std::uint64_t>>& values = {});

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_COUNTERS_H_
