// Dates as foreign feeds write them (see ParseFeedDate in syndication.h).
#include <cctype>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/time.h"
#include "zhanqun/desk/syndication.h"

namespace zhanqun::desk {
namespace {

constexpr int kBeijingOffsetS = 8 * 3600;

std::vector<std::string> SplitWords(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int MonthIndex(std::string m) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  if (m.size() < 3) return 0;
  for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i < 12; ++i) {
    if (m.compare(0, 3, kMonths[i]) == 0) return i + 1;
  }
  return 0;
}

// Zone offset in seconds east of UTC. CST is China Standard Time here, not
// US Central: the sources are Chinese sites.
bool ZoneOffset(std::string z, int* offset) {
  if ((z.size() == 5) && (z[0] == '+' || z[0] == '-') && AllDigits(z.substr(1))) {
    int v = std::stoi(z.substr(1, 2)) * 3600 + std::stoi(z.substr(3, 2)) * 60;
    *offset = z[0] == '-' ? -v : v;
    return true;
  }
  for (char& c : z) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  struct Named {
    const char* name;
    int hours;
  };
  static const Named kZones[] = {{"GMT", 0},  {"UT", 0},   {"UTC", 0},  {"Z", 0},
                                 {"CST", 8},  {"EST", -5}, {"EDT", -4}, {"CDT", -5},
                                 {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (const Named& n : kZones) {
    if (z == n.name) {
      *offset = n.hours * 3600;
      return true;
    }
  }
  return false;
}

bool ParseClock(const std::string& t, int* h, int* mi, int* sec) {
  std::vector<int> parts;
  std::size_t start = 0;
  while (start <= t.size()) {
    std::size_t colon = t.find(':', start);
    std::string part =
        t.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!AllDigits(part) || part.size() > 2) return false;
    parts.push_back(std::stoi(part));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) return false;
  *h = parts[0];
  *mi = parts[1];
  *sec = parts.size() == 3 ? parts[2] : 0;
  return *h <= 23 && *mi <= 59 && *sec <= 60;
}

std::optional<base::TimeMs> ToMs(int y, int mo, int d, int h, int mi, int sec, int offset_s) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 9999) return std::nullopt;
  return base::UtcCivilMs(y, mo, d, h, mi, sec) - static_cast<base::TimeMs>(offset_s) * 1000;
}

// "Fri, 15 Feb 2019 08:00:00 +0800" and variants; no zone means Beijing.
std::optional<base::TimeMs> ParseRfc822(std::string_view text) {
  std::vector<std::string> w = SplitWords(text);
  if (!w.empty() && !AllDigits(w[0])) w.erase(w.begin());  // day name
  if (w.size() < 4 || w.size() > 5 || !AllDigits(w[0]) || !AllDigits(w[2])) return std::nullopt;
  int d = std::stoi(w[0]), mo = MonthIndex(w[1]), y = std::stoi(w[2]);
  if (w[2].size() == 2) y += y < 70 ? 2000 : 1900;
  int h = 0, mi = 0, sec = 0, offset = kBeijingOffsetS;
  if (!ParseClock(w[3], &h, &mi, &sec)) return std::nullopt;
  if (w.size() == 5 && !ZoneOffset(w[4], &offset)) return std::nullopt;
  return ToMs(y, mo, d, h, mi, sec, offset);
}

// "2019-02-15 08:00[:00]" or "2019-02-15", Beijing time.
std::optional<base::TimeMs> ParseZoneless(std::string_view text) {
  std::vector<std::string> w = SplitWords(text);
  if (w.empty() || w.size() > 2 || w[0].size() != 10 || w[0][4] != '-' || w[0][7] != '-') {
    return std::nullopt;
  }
  std::string y = w[0].substr(0, 4), mo = w[0].substr(5, 2), d = w[0].substr(8, 2);
  if (!AllDigits(y) || !AllDigits(mo) || !AllDigits(d)) return std::nullopt;
  int h = 0, mi = 0, sec = 0;
  if (w.size() == 2 && !ParseClock(w[1], &h, &mi, &sec)) return std::nullopt;
  return ToMs(std::stoi(y), std::stoi(mo), std::stoi(d), h, mi, sec, kBeijingOffsetS);
}

}  // namespace

base::Result<base::TimeMs> ParseFeedDate(std::string_view text) {
  std::string s(text);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
  if (s.size() > 10 && (s[10] == 'T' || s[10] == 't')) {
    base::Result<base::TimeMs> t = base::ParseTime(s);
    if (t.ok()) return t;
    s[10] = ' ';  // a zone-less RFC 3339 time, read as Beijing time below
  }
  if (auto t = ParseZoneless(s)) return *t;
  if (auto t = ParseRfc822(s)) return *t;
  return base::Status::Invalid(
      "date: expected RFC 822 like 'Fri, 15 Feb 2019 08:00:00 +0800' or "
      "RFC 3339 like '2019-02-15T08:00:00+08:00', got '" +
      s + "'");
}

}  // namespace zhanqun::desk
