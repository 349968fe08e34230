// Time source. Production code takes a Clock& so tests can inject FakeClock
// and never sleep to wait for time.
#ifndef ZHANQUN_BASE_CLOCK_H_
#define ZHANQUN_BASE_CLOCK_H_

#include <atomic>

#include "zhanqun/base/time.h"

namespace zhanqun::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in ms since the epoch (may jump).
  virtual TimeMs NowMs() const = 0;
  // Monotonic ms for measuring durations (never jumps).
  virtual TimeMs MonotonicMs() const = 0;
};

// The process-wide real clock. Thread-safe.
Clock& SystemClock();

// A clock that moves only when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(TimeMs start) : now_(start) {}
  TimeMs NowMs() const override { return now_.load(); }
  TimeMs MonotonicMs() const override { return now_.load(); }
  void Advance(TimeMs ms) { now_ += ms; }
  void Set(TimeMs t) { now_ = t; }

 private:
  std::atomic<TimeMs> now_;
};

// Another clock's wall time moved by a fixed skew (a node whose clock is
// wrong, for drills and tests); monotonic time is the base clock's.
class SkewedClock : public Clock {
 public:
  SkewedClock(const Clock& base, TimeMs skew_ms) : base_(base), skew_ms_(skew_ms) {}
  TimeMs NowMs() const override { return base_.NowMs() + skew_ms_; }
  TimeMs MonotonicMs() const override { return base_.MonotonicMs(); }

 private:
  const Clock& base_;
  TimeMs skew_ms_;
};

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_CLOCK_H_
