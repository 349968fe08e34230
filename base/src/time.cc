#include "zhanqun/base/time.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace zhanqun::base {
namespace {

constexpr TimeMs kDayMs = 86400LL * 1000;
constexpr std::size_t kMaxQuoted = 80;

std::string Quote(std::string_view s) {
  if (s.size() > kMaxQuoted) return "'" + std::string(s.substr(0, kMaxQuoted)) + "...'";
  return "'" + std::string(s) + "'";
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Parses exactly `n` digits at s[*pos] and advances.
bool TakeDigits(std::string_view s, std::size_t* pos, std::size_t n, int* out) {
  if (*pos + n > s.size() || !IsDigits(s.substr(*pos, n))) return false;
  *out = ToInt(s.substr(*pos, n));
  *pos += n;
  return true;
}

bool TakeChar(std::string_view s, std::size_t* pos, std::string_view allowed) {
  if (*pos >= s.size() || allowed.find(s[*pos]) == std::string_view::npos) return false;
  ++*pos;
  return true;
}

// Milliseconds from an optional ".ddd..." fraction (truncated, not rounded).
bool TakeFraction(std::string_view s, std::size_t* pos, int* ms) {
  *ms = 0;
  if (*pos >= s.size() || s[*pos] != '.') return true;
  std::size_t start = ++*pos;
  while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9') ++*pos;
  std::size_t n = *pos - start;
  if (n == 0 || n > 9) return false;
  std::string digits(s.substr(start, std::min<std::size_t>(n, 3)));
  digits.resize(3, '0');
  *ms = ToInt(digits);
  return true;
}

// Offset east of UTC in seconds, from "Z" or "+hh:mm"/"-hh:mm".
bool TakeOffset(std::string_view s, std::size_t* pos, int* offset) {
  *offset = 0;
  if (TakeChar(s, pos, "Zz")) return true;
  if (*pos >= s.size() || (s[*pos] != '+' && s[*pos] != '-')) return false;
  int sign = s[(*pos)++] == '-' ? -1 : 1;
  int hh = 0, mm = 0;
  if (!TakeDigits(s, pos, 2, &hh) || !TakeChar(s, pos, ":") || !TakeDigits(s, pos, 2, &mm)) {
    return false;
  }
  if (hh > 23 || mm > 59) return false;
  *offset = sign * (hh * 3600 + mm * 60);
  return true;
}

// Howard Hinnant's days-to-civil algorithm; avoids gmtime's time_t range and
// global state.
CivilDay CivilFromDays(long long z) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long d = doy - (153 * mp + 2) / 5 + 1;
  const long long m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), static_cast<unsigned>(m), static_cast<unsigned>(d)};
}

}  // namespace

bool ParseIsoDate(std::string_view s, int* y, int* m, int* d) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!IsDigits(s.substr(0, 4)) || !IsDigits(s.substr(5, 2)) || !IsDigits(s.substr(8, 2))) {
    return false;
  }
  *y = ToInt(s.substr(0, 4));
  *m = ToInt(s.substr(5, 2));
  *d = ToInt(s.substr(8, 2));
  return *m >= 1 && *m <= 12 && *d >= 1 && *d <= DaysInMonth(*y, *m);
}

std::string FormatTime(TimeMs t) {
  // Floor division, so times before 1970 keep a non-negative millisecond part.
  std::int64_t secs = t / 1000;
  std::int64_t ms = t % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) return "invalid-time";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

Result<TimeMs> ParseTime(const std::string& s) {
  auto bad = [&s] {
    return Status::Invalid("time: expected RFC 3339 like 2019-02-15T08:00:00Z, got " + Quote(s));
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0, offset = 0;
  std::size_t pos = 10;
  if (s.size() < 10 || !ParseIsoDate(std::string_view(s).substr(0, 10), &y, &mo, &d)) {
    return bad();
  }
  if (!TakeChar(s, &pos, "Tt ") || !TakeDigits(s, &pos, 2, &h) || !TakeChar(s, &pos, ":") ||
      !TakeDigits(s, &pos, 2, &mi) || !TakeChar(s, &pos, ":") || !TakeDigits(s, &pos, 2, &sec) ||
      !TakeFraction(s, &pos, &ms) || !TakeOffset(s, &pos, &offset) || pos != s.size()) {
    return bad();
  }
  if (h > 23 || mi > 59 || sec > 60) return bad();  // 60: leap second, folded by timegm
  return UtcCivilMs(y, mo, d, h, mi, sec) - static_cast<TimeMs>(offset) * 1000 + ms;
}

TimeMs UtcCivilMs(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<TimeMs>(timegm(&tm)) * 1000;
}

std::string FormatBeijingTime(TimeMs t, const char* format) {
  std::time_t secs = static_cast<std::time_t>((t + kBeijingOffsetMs) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

CivilDay BeijingDay(TimeMs t) {
  const TimeMs local = t + kBeijingOffsetMs;
  long long days = local / kDayMs;
  if (local % kDayMs < 0) --days;
  return CivilFromDays(days);
}

Result<std::pair<TimeMs, TimeMs>> BeijingDayRangeMs(const std::string& day) {
  if (day.size() == 10) {
    Result<TimeMs> start = ParseTime(day + "T00:00:00+08:00");
    if (start.ok()) return std::make_pair(*start, *start + kDayMs - 1);
  }
  return Status::Invalid("expected a calendar date YYYY-MM-DD, got \"" + day + "\"");
}

}  // namespace zhanqun::base
