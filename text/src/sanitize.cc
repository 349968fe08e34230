#include "zhanqun/text/sanitize.h"

#include <array>
#include <string>

#include "zhanqun/text/xml.h"

namespace zhanqun::text {
namespace {

// Deeper markup is flattened to text; no legitimate document needs it and it
// bounds the recursion below.
constexpr int kMaxDepth = 100;

constexpr std::array<std::string_view, 33> kAllowed = {
    "p",     "br",   "h2", "h3",     "h4",      "h5", "h6",  "ul",   "ol",  "li",    "blockquote",
    "pre",   "code", "em", "strong", "b",       "i",  "u",   "sub",  "sup", "table", "thead",
    "tbody", "tr",   "th", "td",     "caption", "a",  "img", "span", "div", "hr",    "dl"};
constexpr std::array<std::string_view, 2> kAllowedMore = {"dt", "dd"};

// Elements whose content is code or active content, never text to show.
constexpr std::array<std::string_view, 15> kDropped = {
    "script", "style", "iframe", "object", "embed",    "template", "noscript", "svg",
    "math",   "form",  "applet", "frame",  "frameset", "noembed",  "noframes"};

constexpr std::array<std::string_view, 17> kBlocks = {
    "p",  "div", "h1", "h2",    "h3",         "h4",  "h5",      "h6", "ul",
    "ol", "li",  "tr", "table", "blockquote", "pre", "caption", "hr"};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& set, std::string_view name) {
  for (std::string_view s : set) {
    if (s == name) return true;
  }
  return false;
}

bool IsAllowed(std::string_view name) { return In(kAllowed, name) || In(kAllowedMore, name); }
bool IsVoid(std::string_view name) { return name == "br" || name == "hr" || name == "img"; }
bool IsBlock(std::string_view name) {
  return In(kBlocks, name) || name == "dl" || name == "dt" || name == "dd";
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Browsers ignore whitespace and control characters inside a scheme, so they
// are removed before looking for one ("java\tscript:" is "javascript:").
bool IsSafeUrl(std::string_view value) {
  std::string s;
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u > 0x20 && u != 0x7F) s += AsciiLower(c);
  }
  std::size_t colon = s.find(':');
  if (colon == std::string::npos) return true;
  std::size_t delim = s.find_first_of("/?#");
  if (delim < colon) return true;  // a relative path with a later colon
  std::string_view scheme = std::string_view(s).substr(0, colon);
  return scheme == "http" || scheme == "https" || scheme == "mailto";
}

bool IsNumber(std::string_view s) {
  if (s.empty() || s.size() > 6) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsLanguageTag(std::string_view s) {
  if (s.empty() || s.size() > 35) return false;
  for (char c : s) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Whether attribute `attr` with `value` may stay on element `el`.
bool KeepAttribute(std::string_view el, std::string_view attr, std::string_view value) {
  if (attr == "lang") return IsLanguageTag(value);
  if (el == "a") {
    if (attr == "href") return IsSafeUrl(value);
    return attr == "title";
  }
  if (el == "img") {
    if (attr == "src") return IsSafeUrl(value);
    if (attr == "width" || attr == "height") return IsNumber(value);
    return attr == "alt";
  }
  if (el == "td" || el == "th") {
    return (attr == "colspan" || attr == "rowspan") && IsNumber(value);
  }
  return false;
}

std::string Name(const xmlNode* node) {
  std::string name = xml::C(node->name);
  for (char& c : name) c = AsciiLower(c);
  return name;
}

class Sanitizer {
 public:
  std::string Run(const xmlNode* first) {
    WalkSiblings(first, 0);
    return std::move(out_);
  }

 private:
  void WalkSiblings(const xmlNode* node, int depth) {
    for (; node != nullptr; node = node->next) Walk(node, depth);
  }

  void Walk(const xmlNode* node, int depth) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      out_ += xml::EscapeText(xml::Content(node));
    } else if (node->type == XML_ELEMENT_NODE) {
      Element(node, depth);
    }
    // Comments, processing instructions and doctypes are dropped.
  }

  void Element(const xmlNode* node, int depth) {
    std::string name = Name(node);
    if (In(kDropped, name)) return;
    if (depth >= kMaxDepth) {
      out_ += xml::EscapeText(xml::Content(node));
      return;
    }
    if (!IsAllowed(name)) {
      WalkSiblings(node->children, depth + 1);
      return;
    }
    out_ += "<" + name;
    Attributes(node, name);
    out_ += ">";
    if (IsVoid(name)) return;
    WalkSiblings(node->children, depth + 1);
    out_ += "</" + name + ">";
  }

  void Attributes(const xmlNode* node, std::string_view el) {
    for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
      std::string attr = xml::C(a->name);
      for (char& c : attr) c = AsciiLower(c);
      std::string value = xml::Content(reinterpret_cast<const xmlNode*>(a));
      if (!KeepAttribute(el, attr, value)) continue;
      out_ += " " + attr + "=\"" + xml::EscapeAttribute(value) + "\"";
    }
  }

  std::string out_;
};

// Collects text with block boundaries marked by '\n' (collapsed later).
class TextCollector {
 public:
  std::string Run(const xmlNode* first) {
    Walk(first, 0, false);
    return Tidy(raw_);
  }

 private:
  void Walk(const xmlNode* node, int depth, bool pre) {
    for (; node != nullptr; node = node->next) {
      if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
        AddText(xml::Content(node), pre);
      } else if (node->type == XML_ELEMENT_NODE) {
        Element(node, depth, pre);
      }
    }
  }

  void Element(const xmlNode* node, int depth, bool pre) {
    std::string name = Name(node);
    if (In(kDropped, name)) return;
    if (name == "br") {
      raw_ += '\n';
      return;
    }
    if (name == "td" || name == "th") raw_ += ' ';
    bool block = IsBlock(name);
    if (block) raw_ += '\n';
    if (depth >= kMaxDepth) {
      AddText(xml::Content(node), pre);
    } else {
      Walk(node->children, depth + 1, pre || name == "pre");
    }
    if (block) raw_ += '\n';
  }

  void AddText(const std::string& text, bool pre) {
    if (pre) {
      raw_ += text;
      return;
    }
    for (char c : text) {
      bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
      if (!space) {
        raw_ += c;
      } else if (!raw_.empty() && raw_.back() != ' ' && raw_.back() != '\n') {
        raw_ += ' ';
      }
    }
  }

  // Trims each line and drops empty ones, so blocks are one '\n' apart.
  static std::string Tidy(const std::string& raw) {
    std::string out;
    std::size_t start = 0;
    while (start <= raw.size()) {
      std::size_t end = raw.find('\n', start);
      if (end == std::string::npos) end = raw.size();
      std::string_view line = std::string_view(raw).substr(start, end - start);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
      if (!line.empty()) {
        if (!out.empty()) out += '\n';
        out += line;
      }
      start = end + 1;
    }
    return out;
  }

  std::string raw_;
};

// The HTML parser wraps leading bare text in an implied <p>; starting inside
// <body> keeps fragments as they are.
xml::DocPtr ParseFragment(std::string_view html) {
  std::string input = "<body>";
  input += html;
  return xml::ParseHtml(input);
}

}  // namespace

std::string SanitizeHtml(std::string_view html) {
  xml::DocPtr doc = ParseFragment(html);
  if (!doc) return xml::EscapeText(html);
  return Sanitizer().Run(doc->children);
}

std::string EscapeHtml(std::string_view text) { return xml::Escape(text, xml::EscapeMode::kHtml); }

std::string TextToHtml(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '\r')) {
      line.remove_prefix(1);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (!line.empty()) out += "<p>" + xml::EscapeText(line) + "</p>";
    start = end + 1;
  }
  return out;
}

std::string HtmlToText(std::string_view html) {
  xml::DocPtr doc = ParseFragment(html);
  if (!doc) return xml::ToValidText(html);
  return TextCollector().Run(doc->children);
}

}  // namespace zhanqun::text
