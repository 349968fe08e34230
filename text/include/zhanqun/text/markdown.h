// Markdown (CommonMark, via libcmark) for the staff desk's rich bodies.
// Raw HTML in the source is not passed through (cmark's safe mode), and the
// result is sanitized (sanitize.h), so it is safe to show and sign.
// Thread-safe.
#ifndef ZHANQUN_TEXT_MARKDOWN_H_
#define ZHANQUN_TEXT_MARKDOWN_H_

#include <string>
#include <string_view>

namespace zhanqun::text {

// Converts CommonMark text to sanitized HTML. Never fails.
std::string MarkdownToHtml(std::string_view markdown);

}  // namespace zhanqun::text

#endif  // ZHANQUN_TEXT_MARKDOWN_H_
