// Time values: milliseconds since the epoch, RFC 3339 text, civil dates, and
// Beijing time (UTC+8), the zone every page and date filter of the cluster
// uses. Pure functions; thread-safe.
#ifndef ZHANQUN_BASE_TIME_H_
#define ZHANQUN_BASE_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "zhanqun/base/status.h"

namespace zhanqun::base {

// Milliseconds since the Unix epoch, UTC.
using TimeMs = std::int64_t;

// Beijing time is UTC+8 all year (China has no daylight saving time).
inline constexpr TimeMs kBeijingOffsetMs = 8LL * 3600 * 1000;

// RFC 3339 with milliseconds, UTC: 2019-02-15T08:00:00.000Z
std::string FormatTime(TimeMs t);

// Parses RFC 3339 ("2019-02-15T08:00:00Z", offsets, fractions truncated to
// ms; a space may stand for the 'T'). kInvalidArgument names the text.
Result<TimeMs> ParseTime(const std::string& s);

// A civil UTC date and time (second 60 folds into the next minute) as ms.
// REQUIRES: fields already range-checked by the caller.
TimeMs UtcCivilMs(int year, int month, int day, int hour, int minute, int second);

// True when `s` is "YYYY-MM-DD" naming a day that exists; fills the parts.
bool ParseIsoDate(std::string_view s, int* year, int* month, int* day);

// `t` in Beijing time with a strftime format, e.g. "%Y-%m-%d %H:%M".
std::string FormatBeijingTime(TimeMs t, const char* format);

struct CivilDay {
  long long year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
};
// The calendar day of `t` in Beijing time; any TimeMs, no time_t range limit.
CivilDay BeijingDay(TimeMs t);

// The first and last millisecond of calendar day "YYYY-MM-DD" in Beijing
// time. kInvalidArgument names the text when it is not such a date.
Result<std::pair<TimeMs, TimeMs>> BeijingDayRangeMs(const std::string& day);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_TIME_H_
