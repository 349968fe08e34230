#include "text_util.h"

#include <cstdio>

#include "zhanqun/base/time.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::localization {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

bool IsSpace(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Length of a character reference starting at s[i] ('&'), or 0 if none.
std::size_t EntityLength(std::string_view s, std::size_t i) {
  std::size_t j = i + 1;
  if (j < s.size() && s[j] == '#') ++j;
  const std::size_t start = j;
  while (j < s.size() && j - start < 10 &&
         ((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'z') ||
          (s[j] >= 'A' && s[j] <= 'Z'))) {
    ++j;
  }
  if (j == start || j >= s.size() || s[j] != ';') return 0;
  return j - i + 1;
}

}  // namespace

std::string ChineseDate(base::TimeMs t) {
  const base::CivilDay d = base::BeijingDay(t);
  return std::to_string(d.year) + "年" + std::to_string(d.month) + "月" + std::to_string(d.day) +
         "日";
}

std::string IsoDate(base::TimeMs t) {
  const base::CivilDay d = base::BeijingDay(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", d.year, d.month, d.day);
  return buf;
}

std::string ChineseDateFromIso(const std::string& iso) {
  unsigned y = 0, m = 0, d = 0;
  if (iso.size() != 10 || std::sscanf(iso.c_str(), "%4u-%2u-%2u", &y, &m, &d) != 3) return iso;
  return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
}

std::string Excerpt(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (!IsContinuation(c)) {
      // Chinese text has no spaces between words; a line break between two
      // CJK characters is layout, not a word gap.
      const bool space = pending_space && c < 0x80 && static_cast<unsigned char>(out.back()) < 0x80;
      if (chars + (space ? 1 : 0) >= max_chars) return out + "…";
      if (space) {
        out += ' ';
        ++chars;
      }
      pending_space = false;
      ++chars;
    }
    out += text[i];
  }
  return out;
}

std::string MarkedTextToHtml(std::string_view s) {
  static constexpr std::string_view kOpen = "<mark>", kClose = "</mark>";
  std::string out;
  int open = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, kOpen.size()) == kOpen) {
      if (open == 0) out += kOpen;
      ++open;
      i += kOpen.size();
    } else if (s.substr(i, kClose.size()) == kClose) {
      if (open == 1) out += kClose;
      if (open > 0) --open;
      i += kClose.size();
    } else if (s[i] == '&') {
      const std::size_t n = EntityLength(s, i);
      out += n ? std::string(s.substr(i, n)) : std::string("&amp;");
      i += n ? n : 1;
    } else {
      // Escape a whole run up to the next tag or reference at once: escaping
      // byte by byte would split multi-byte UTF-8 characters.
      std::size_t end = s.find_first_of("<&", i + 1);
      if (end == std::string_view::npos) end = s.size();
      out += text::EscapeHtml(s.substr(i, end - i));
      i = end;
    }
  }
  if (open > 0) out += kClose;
  return out;
}

std::string JoinUrl(const std::string& base, const std::string& path) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  std::size_t p = 0;
  while (p < path.size() && path[p] == '/') ++p;
  return b + "/" + path.substr(p);
}

}  // namespace zhanqun::localization
