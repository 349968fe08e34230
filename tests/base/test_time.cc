#include <catch2/catch.hpp>
#include <string>

#include "zhanqun/base/time.h"

namespace zhanqun::base {
namespace {

TEST_CASE("times format as RFC 3339 UTC with milliseconds", "[base][time]") {
  CHECK(FormatTime(1550217600000) == "2019-02-15T08:00:00.000Z");
  CHECK(FormatTime(1550217600123) == "2019-02-15T08:00:00.123Z");
  CHECK(FormatTime(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatTime(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("time parsing accepts offsets and fractions", "[base][time]") {
  auto check = [](const std::string& text, TimeMs expected) {
    INFO(text);
    auto t = ParseTime(text);
    REQUIRE(t.ok());
    CHECK(*t == expected);
  };
  check("2019-02-15T08:00:00Z", 1550217600000);
  check("2019-02-15T08:00:00.000Z", 1550217600000);
  check("2019-02-15T16:00:00+08:00", 1550217600000);
  check("2019-02-15T03:30:00-04:30", 1550217600000);
  check("2019-02-15T08:00:00.5Z", 1550217600500);
  check("2019-02-15T08:00:00.123456789Z", 1550217600123);
  check("2019-02-15t08:00:00z", 1550217600000);
  for (TimeMs t : {TimeMs{1}, TimeMs{1550217600123}, TimeMs{4102444799999}}) {
    check(FormatTime(t), t);
  }
}

TEST_CASE("time parsing errors quote the bad text", "[base][time]") {
  for (const char* bad :
       {"2019-02-15", "2019-02-15T08:00:00", "2019-02-30T08:00:00Z", "2019-02-15T24:00:00Z",
        "2019-02-15T08:00:00+0800", "2019-02-15T08:00:00.Z", "2019-02-15T08:00:00Z junk", ""}) {
    INFO(bad);
    auto t = ParseTime(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == Code::kInvalidArgument);
    CHECK(t.status().message().find("'" + std::string(bad) + "'") != std::string::npos);
  }
}

TEST_CASE("ISO dates must exist in the calendar", "[base][time]") {
  int y = 0, m = 0, d = 0;
  CHECK(ParseIsoDate("2020-02-29", &y, &m, &d));
  CHECK((y == 2020 && m == 2 && d == 29));
  CHECK_FALSE(ParseIsoDate("2019-02-29", &y, &m, &d));
  CHECK_FALSE(ParseIsoDate("1900-02-29", &y, &m, &d));
  CHECK(ParseIsoDate("2000-02-29", &y, &m, &d));
  CHECK_FALSE(ParseIsoDate("2019-13-01", &y, &m, &d));
  CHECK_FALSE(ParseIsoDate("2019-1-01", &y, &m, &d));
  CHECK_FALSE(ParseIsoDate("2019/01/01", &y, &m, &d));
}

TEST_CASE("Beijing time is UTC+8 for formats, calendar days and day ranges", "[base][time]") {
  // 2019-02-15T16:30:00Z is already the 16th in Beijing.
  const TimeMs t = 1550248200000;
  CHECK(FormatBeijingTime(t, "%Y-%m-%d %H:%M") == "2019-02-16 00:30");
  CivilDay day = BeijingDay(t);
  CHECK((day.year == 2019 && day.month == 2 && day.day == 16));
  day = BeijingDay(t - 31 * 60 * 1000);  // 23:59 on the 15th, Beijing time
  CHECK((day.year == 2019 && day.month == 2 && day.day == 15));
  day = BeijingDay(-1);  // 1970-01-01T07:59:59.999+08:00
  CHECK((day.year == 1970 && day.month == 1 && day.day == 1));
  Result<std::pair<TimeMs, TimeMs>> range = BeijingDayRangeMs("2019-02-16");
  REQUIRE(range.ok());
  CHECK(range->first == 1550246400000);  // 2019-02-15T16:00:00Z
  CHECK(range->second == 1550246400000 + 86400000 - 1);
  Result<std::pair<TimeMs, TimeMs>> bad = BeijingDayRangeMs("2019-02-30");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "expected a calendar date YYYY-MM-DD, got \"2019-02-30\"");
}

}  // namespace
}  // namespace zhanqun::base
