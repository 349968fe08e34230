#include "zhanqun/base/clock.h"

#include <chrono>

namespace zhanqun::base {
namespace {

class RealClock : public Clock {
 public:
  TimeMs NowMs() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  TimeMs MonotonicMs() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
};

}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

}  // namespace zhanqun::base
