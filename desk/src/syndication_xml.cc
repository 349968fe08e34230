// Foreign feeds before parsing: size limit, GBK/GB2312/GB18030 decoded to
// UTF-8, HTML pages told apart; then xml::ParseXml, which for feeds allows a
// bare DOCTYPE (old RSS) but refuses any entity declaration.
#include <iconv.h>
#include <libxml/parser.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <memory>

#include "syndication_internal.h"

namespace zhanqun::desk::syndication_internal {
namespace {

using text::xml::C;
using text::xml::X;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Where the value of encoding="..." sits in the XML declaration.
struct EncodingSpan {
  std::size_t begin = std::string_view::npos, end = 0;
};

EncodingSpan FindEncoding(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  EncodingSpan span;
  if (bytes.substr(0, 5) != "<?xml") return span;
  std::size_t close = bytes.find("?>");
  if (close == std::string_view::npos) return span;
  std::string_view decl = bytes.substr(0, close);
  std::size_t at = decl.find("encoding");
  if (at == std::string_view::npos) return span;
  std::size_t q = decl.find_first_of("\"'", at);
  if (q == std::string_view::npos) return span;
  std::size_t q2 = decl.find(decl[q], q + 1);
  if (q2 == std::string_view::npos) return span;
  span.begin = q + 1;
  span.end = q2;
  return span;
}

bool IsChineseEncoding(const std::string& e) {
  return e == "gb2312" || e == "gbk" || e == "gb18030" || e == "x-gbk" || e == "cp936" ||
         e == "euc-cn" || e == "gb_2312-80";
}

base::Result<std::string> Gb18030ToUtf8(std::string_view in) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1))
    return base::Status::Internal("iconv: GB18030 unsupported");
  std::string out(in.size() * 2 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  std::size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (rc == static_cast<std::size_t>(-1)) {
    return base::Status::Invalid("encoding: byte " + std::to_string(in.size() - src_left) +
                                 " is not valid GB18030 (declared GB2312/GBK/GB18030)");
  }
  out.resize(out.size() - dst_left);
  return out;
}

}  // namespace

std::string DeclaredEncoding(std::string_view bytes) {
  std::size_t skip = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  EncodingSpan span = FindEncoding(bytes);
  if (span.begin == std::string_view::npos) return "";
  return Lower(bytes.substr(skip + span.begin, span.end - span.begin));
}

base::Result<std::string> DecodeChineseEncodings(std::string_view bytes) {
  if (!IsChineseEncoding(DeclaredEncoding(bytes))) return std::string(bytes);
  std::size_t skip = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  EncodingSpan span = FindEncoding(bytes);
  base::Result<std::string> utf8 = Gb18030ToUtf8(bytes.substr(skip));
  if (!utf8.ok()) return utf8;
  // The declaration is ASCII, so its offsets are unchanged by decoding.
  return utf8->replace(span.begin, span.end - span.begin, "UTF-8");
}

bool LooksLikeHtml(std::string_view b) {
  if (b.substr(0, 3) == "\xEF\xBB\xBF") b.remove_prefix(3);
  for (;;) {
    while (!b.empty() && std::isspace(static_cast<unsigned char>(b.front()))) b.remove_prefix(1);
    std::string_view end_mark = b.substr(0, 5) == "<?xml"  ? "?>"
                                : b.substr(0, 4) == "<!--" ? "-->"
                                                           : "";
    if (end_mark.empty()) break;
    std::size_t e = b.find(end_mark);
    if (e == std::string_view::npos) return false;
    b.remove_prefix(e + end_mark.size());
  }
  std::string head = Lower(b.substr(0, 14));
  return head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0;
}

base::Result<text::xml::DocPtr> ParseFeedXml(std::string_view bytes, const std::string& base_url,
                                             const SyndicationLimits& limits) {
  if (bytes.size() > limits.max_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX) / 2) {
    return base::Status::Exhausted("feed of " + std::to_string(bytes.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(limits.max_bytes));
  }
  base::Result<std::string> text = DecodeChineseEncodings(bytes);
  if (!text.ok()) return text.status();
  base::Result<text::xml::DocPtr> doc = text::xml::ParseXml(
      *text, limits.max_bytes * 2, limits.max_depth, text::xml::Doctype::kAllowWithoutEntities);
  if (!doc.ok()) return doc.status();
  xmlDoc* d = doc->get();
  if (d->URL != nullptr) xmlFree(const_cast<xmlChar*>(d->URL));
  d->URL = xmlStrdup(X(base_url.c_str()));
  return doc;
}

}  // namespace zhanqun::desk::syndication_internal
