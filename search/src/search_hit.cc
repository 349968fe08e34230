// Turns a matched document back into a SearchHit: the stored data written by
// search_document.cc, plus highlighted snippets of the body and title.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "search_internal.h"

namespace zhanqun::search::search_internal {

using base::Result;
using base::Status;
using nlohmann::json;

namespace {

// Xapian measures snippets in bytes; a CJK character takes three, so this is
// about 100 characters of Chinese text.
constexpr std::size_t kSnippetBytes = 300;
constexpr unsigned kSnippetFlags = Xapian::MSet::SNIPPET_CJK_NGRAM |
                                   Xapian::MSet::SNIPPET_EXHAUSTIVE |
                                   Xapian::MSet::SNIPPET_BACKGROUND_MODEL;
constexpr const char* kMarkStart = "<mark>";
constexpr const char* kMarkEnd = "</mark>";

// CJK n-gram highlighting marks each character on its own; joining adjacent
// marks gives <mark>职业教育</mark>, which reads and styles better.
std::string MergeAdjacentMarks(std::string html) {
  const std::string seam = std::string(kMarkEnd) + kMarkStart;
  for (std::size_t pos = html.find(seam); pos != std::string::npos; pos = html.find(seam, pos)) {
    html.erase(pos, seam.size());
  }
  return html;
}

std::string Highlight(const Xapian::MSet& mset, const std::string& text, std::size_t bytes,
                      unsigned flags, const char* omit) {
  return MergeAdjacentMarks(
      mset.snippet(text, bytes, Xapian::Stem(), flags, kMarkStart, kMarkEnd, omit));
}

}  // namespace

Result<SearchHit> MakeHit(const Xapian::MSet& mset, const Xapian::MSetIterator& it) {
  Xapian::Document doc = it.get_document();
  json data = json::parse(doc.get_data(), nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded() || !data.is_object()) {
    return Status::Corruption("search index: document " + std::to_string(*it) +
                              " has data that is not a JSON object");
  }
  SearchHit hit;
  hit.id = data.value("id", "");
  hit.version = data.value("version", 1);
  hit.title = data.value("title", "");
  hit.doc_number = data.value("doc_number", "");
  hit.authority = data.value("authority", "");
  hit.published_ms = data.value("published", base::TimeMs{0});
  hit.score = it.get_percent();
  std::string body_text = data.value("body_text", "");
  hit.snippet_html = Highlight(mset, body_text, kSnippetBytes, kSnippetFlags, "…");
  // Asking for more bytes than the title has returns all of it, highlighted.
  hit.title_html =
      Highlight(mset, hit.title, hit.title.size() + 1, Xapian::MSet::SNIPPET_CJK_NGRAM, "");
  return hit;
}

}  // namespace zhanqun::search::search_internal
