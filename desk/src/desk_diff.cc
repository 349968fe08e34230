// Line diffs between two draft revisions, one FieldDiff per changed field.
#include <algorithm>
#include <sstream>

#include "desk_impl.h"
#include "zhanqun/text/sanitize.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <dtl/dtl.hpp>
#pragma GCC diagnostic pop

namespace zhanqun::desk {

namespace {

using Lines = std::vector<std::string>;

// Body lines: the text of each block element (and each text line), blank
// lines dropped, so a diff shows paragraphs rather than markup.
Lines BodyLines(const std::string& html) {
  Lines out;
  std::istringstream in(text::HtmlToText(html));
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
  }
  return out;
}

Lines Single(const std::string& s) { return s.empty() ? Lines{} : Lines{s}; }

Lines Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return Single(out);
}

Lines AttachmentLines(const std::vector<feeds::Attachment>& v) {
  Lines out;
  for (const feeds::Attachment& a : v) {
    out.push_back(a.title + " (" + std::to_string(a.length) + " bytes, sha256 " +
                  a.sha256_hex.substr(0, 12) + ")");
  }
  return out;
}

FieldDiff DiffLines(const std::string& field, const Lines& a, const Lines& b) {
  FieldDiff fd;
  fd.field = field;
  dtl::Diff<std::string, Lines> diff(a, b);
  diff.compose();
  for (const auto& [text, info] : diff.getSes().getSequence()) {
    char op = info.type == dtl::SES_ADD ? '+' : info.type == dtl::SES_DELETE ? '-' : ' ';
    fd.lines.push_back({op, text});
  }
  // Within each run of changes, removed lines first: reads like a unified diff.
  for (auto it = fd.lines.begin(); it != fd.lines.end();) {
    auto end =
        std::find_if(it, fd.lines.end(), [](const FieldDiff::Line& l) { return l.op == ' '; });
    std::stable_partition(it, end, [](const FieldDiff::Line& l) { return l.op == '-'; });
    it = end == fd.lines.end() ? end : end + 1;
  }
  return fd;
}

}  // namespace

std::vector<FieldDiff> DiffContents(const DraftContent& from, const DraftContent& to) {
  struct Field {
    const char* name;
    Lines a, b;
  };
  std::vector<Field> fields = {
      {"title", Single(from.title), Single(to.title)},
      {"doc_number", Single(from.doc_number), Single(to.doc_number)},
      {"authority", Single(from.authority), Single(to.authority)},
      {"signed_date", Single(from.signed_date), Single(to.signed_date)},
      {"topics", Joined(from.topics), Joined(to.topics)},
      {"categories", Joined(from.categories), Joined(to.categories)},
      {"body", BodyLines(from.body_html), BodyLines(to.body_html)},
      {"attachments", AttachmentLines(from.attachments), AttachmentLines(to.attachments)},
  };
  std::vector<FieldDiff> out;
  for (const Field& f : fields) {
    if (f.a != f.b) out.push_back(DiffLines(f.name, f.a, f.b));
  }
  return out;
}

}  // namespace zhanqun::desk
