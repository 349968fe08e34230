// Small text helpers shared by the renderers: dates in Beijing time, UTF-8
// aware truncation, XML and URL escaping, and the <mark> snippet filter.
#ifndef ZHANQUN_LOCALIZATION_TEXT_UTIL_H_
#define ZHANQUN_LOCALIZATION_TEXT_UTIL_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "zhanqun/feeds/model.h"

namespace zhanqun::localization {

// "2019年2月13日" for the calendar day of `t` in Beijing time (UTC+8).
std::string ChineseDate(base::TimeMs t);
// "2019-02-13" for the same day.
std::string IsoDate(base::TimeMs t);
// "2019-01-27" -> "2019年1月27日"; other input is returned unchanged.
std::string ChineseDateFromIso(const std::string& iso);

// At most `max_chars` code points of `text` with runs of whitespace folded to
// one space; "…" appended when cut.
std::string Excerpt(std::string_view text, std::size_t max_chars);

// Keeps exact <mark> and </mark> tags (balanced) and escapes any other markup,
// leaving well-formed character references alone. Used on search snippets,
// which arrive as escaped text with <mark> highlights.
std::string MarkedTextToHtml(std::string_view s);

// `base` with exactly one '/' before `path`.
std::string JoinUrl(const std::string& base, const std::string& path);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_TEXT_UTIL_H_
