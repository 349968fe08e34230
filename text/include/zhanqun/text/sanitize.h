// HTML sanitizer: reduces untrusted HTML to an allowlist of elements and
// attributes, so nothing from a feed can run script in a visitor's browser.
//
// Allowed elements: p br h2-h6 ul ol li blockquote pre code em strong b i u
// sub sup table thead tbody tr th td caption a img span div hr dl dt dd.
// Allowed attributes: a[href title] img[src alt width height] td/th[colspan
// rowspan] and [lang] anywhere. URLs must be http, https, mailto or relative.
// Dropped with their content: script style iframe object embed template
// noscript svg math form. Other elements are unwrapped (text kept).
// Thread-safe.
#ifndef ZHANQUN_TEXT_SANITIZE_H_
#define ZHANQUN_TEXT_SANITIZE_H_

#include <string>
#include <string_view>

namespace zhanqun::text {

// Returns sanitized HTML (a fragment, UTF-8). Never fails: unparseable input
// yields its text content, escaped.
std::string SanitizeHtml(std::string_view html);

// Converts plain text to HTML paragraphs: blank-line or newline separated
// lines become <p> elements, text escaped.
std::string TextToHtml(std::string_view text);

// Escapes text for HTML or XML output, in element content or a quoted
// attribute: & < > " ' become entities; invalid UTF-8 becomes U+FFFD and
// characters XML cannot carry are dropped.
std::string EscapeHtml(std::string_view text);

// Text content of sanitized HTML, block elements separated by newlines.
std::string HtmlToText(std::string_view html);

}  // namespace zhanqun::text

#endif  // ZHANQUN_TEXT_SANITIZE_H_
