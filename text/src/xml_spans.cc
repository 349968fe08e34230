// A lexical scan for element boundaries. libxml2 keeps no byte offsets, and
// the feed codec must compare an entry's bytes exactly as received.
#include <string>

#include "zhanqun/text/xml.h"

namespace zhanqun::text::xml {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

base::Status ScanError(const std::string& what, std::size_t at) {
  return base::Status::Invalid("xml: " + what + " at byte " + std::to_string(at));
}

// The offset just past `terminator`, searching from `from`; npos if absent.
std::size_t PastTerminator(std::string_view b, std::size_t from, std::string_view terminator) {
  std::size_t at = b.find(terminator, from);
  return at == std::string_view::npos ? at : at + terminator.size();
}

// The offset of the '>' that closes the tag opened at `lt`, outside quoted
// attribute values; npos if there is none.
std::size_t TagEnd(std::string_view b, std::size_t lt) {
  char quote = 0;
  for (std::size_t i = lt + 1; i < b.size(); ++i) {
    char c = b[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i;
    } else if (c == '<') {
      return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

// Tracks nesting while the scan meets start and end tags.
class SpanBuilder {
 public:
  base::Status Open(std::size_t begin, std::size_t end, bool empty) {
    if (depth_ == 0) {
      if (root_seen_) return ScanError("a second root element", begin);
      root_seen_ = true;
      out_.root = {begin, end};
    } else if (depth_ == 1) {
      out_.children.push_back({begin, end});
    }
    if (!empty) ++depth_;
    return base::Status::Ok();
  }
  base::Status Close(std::size_t at, std::size_t end) {
    if (depth_ == 0) return ScanError("an end tag without a start tag", at);
    --depth_;
    if (depth_ == 0) out_.root.end = end;
    if (depth_ == 1) out_.children.back().end = end;
    return base::Status::Ok();
  }
  base::Result<ElementSpans> Finish(std::size_t size) {
    if (!root_seen_) return ScanError("no root element", size);
    if (depth_ != 0) return ScanError("an unclosed element", size);
    return std::move(out_);
  }

 private:
  int depth_ = 0;
  bool root_seen_ = false;
  ElementSpans out_;
};

// Skips the markup at `lt` that is not a tag; npos when it is unterminated.
std::size_t SkipNonTag(std::string_view b, std::size_t lt) {
  std::string_view rest = b.substr(lt);
  if (rest.starts_with("<!--")) return PastTerminator(b, lt + 4, "-->");
  if (rest.starts_with("<![CDATA[")) return PastTerminator(b, lt + 9, "]]>");
  return PastTerminator(b, lt + 2, "?>");
}

}  // namespace

base::Result<ElementSpans> ScanElementSpans(std::string_view b) {
  if (std::size_t nul = b.find('\0'); nul != std::string_view::npos) {
    return ScanError("a NUL byte (the document is not UTF-8)", nul);
  }
  SpanBuilder spans;
  std::size_t pos = b.starts_with(kBom) ? kBom.size() : 0;
  for (std::size_t lt = b.find('<', pos); lt != std::string_view::npos; lt = b.find('<', pos)) {
    std::string_view rest = b.substr(lt);
    if (rest.starts_with("<!--") || rest.starts_with("<![CDATA[") || rest.starts_with("<?")) {
      pos = SkipNonTag(b, lt);
      if (pos == std::string_view::npos)
        return ScanError("an unterminated comment, CDATA or PI", lt);
      continue;
    }
    if (rest.starts_with("<!")) return ScanError("a DOCTYPE or other declaration", lt);
    std::size_t gt = TagEnd(b, lt);
    if (gt == std::string_view::npos) return ScanError("an unterminated tag", lt);
    pos = gt + 1;
    base::Status s =
        rest.starts_with("</") ? spans.Close(lt, pos) : spans.Open(lt, pos, b[gt - 1] == '/');
    if (!s.ok()) return s;
  }
  return spans.Finish(b.size());
}

}  // namespace zhanqun::text::xml
