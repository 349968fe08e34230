#include "zhanqun/text/markdown.h"

#include <cmark.h>

#include <cstdlib>
#include <memory>

#include "zhanqun/text/sanitize.h"

namespace zhanqun::text {

std::string MarkdownToHtml(std::string_view markdown) {
  // No CMARK_OPT_UNSAFE: raw HTML and javascript: links are dropped by
  // cmark itself; the sanitizer is the second line.
  std::unique_ptr<char, decltype(&std::free)> html(
      cmark_markdown_to_html(markdown.data(), markdown.size(),
                             CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_SMART),
      &std::free);
  return SanitizeHtml(html ? html.get() : "");
}

}  // namespace zhanqun::text
