// Upstream item -> DraftContent (ItemToDraft in ingest.h).
#include <ctime>

#include "zhanqun/base/time.h"
#include "zhanqun/desk/ingest.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::desk {
namespace {

constexpr std::size_t kTitleFallbackBytes = 120;

std::string Body(const std::string& text, bool is_html) {
  return is_html ? text::SanitizeHtml(text) : text::TextToHtml(text);
}

// A title for an item that has none: the start of its text, cut on a UTF-8
// character boundary.
std::string FallbackTitle(const std::string& body_html) {
  std::string text = text::HtmlToText(body_html);
  std::size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  if (text.size() <= kTitleFallbackBytes) return text;
  std::size_t cut = kTitleFallbackBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

}  // namespace

DraftContent ItemToDraft(const SourceConfig& source, const desk::ForeignItem& item) {
  DraftContent d;
  d.authority = source.authority;
  d.topics = source.topics;
  d.categories = item.categories;
  d.body_html = !item.content.empty() ? Body(item.content, item.content_is_html)
                                      : Body(item.summary, item.summary_is_html);
  d.title = !item.title.empty() ? item.title : FallbackTitle(d.body_html);
  std::optional<base::TimeMs> date = item.published_ms ? item.published_ms : item.updated_ms;
  if (date) d.signed_date = base::FormatBeijingTime(*date, "%Y-%m-%d");
  if (!item.link.empty()) {
    std::string href = text::EscapeHtml(item.link);
    d.body_html += "<p>原文链接：<a href=\"" + href + "\">" + href + "</a></p>";
  }
  return d;
}

}  // namespace zhanqun::desk
