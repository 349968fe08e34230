// Turns an IndexedRelease into a Xapian document; the layout is documented in
// search_index.h.
#include <nlohmann/json.hpp>
#include <string>

#include "search_internal.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::search::search_internal {

using base::Result;
using base::Status;
using nlohmann::json;

namespace {

constexpr Xapian::termcount kTitleWeight = 3;
// Glass rejects terms longer than 245 bytes; stay clear of it.
constexpr std::size_t kMaxTermBytes = 240;

// Serialized JSON must never throw on bad UTF-8 from a feed, so invalid bytes
// are replaced rather than rejected.
std::string DocumentData(const IndexedRelease& r, const std::string& body_text) {
  const feeds::Release& rel = r.release;
  json data = {{"id", rel.id},
               {"version", rel.version},
               {"title", rel.title},
               {"doc_number", rel.doc_number},
               {"authority", rel.authority},
               {"published", rel.published_ms},
               {"topics", rel.topics},
               {"origin", r.origin},
               {"seq", r.seq},
               {"body_text", body_text}};
  return data.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status AddBooleanTerm(Xapian::Document& doc, const std::string& prefix, const std::string& value,
                      const char* field) {
  std::string term = prefix + value;
  if (term.size() > kMaxTermBytes) {
    return Status::Invalid(std::string("search index: ") + field + " is longer than " +
                           std::to_string(kMaxTermBytes - prefix.size()) + " bytes");
  }
  doc.add_boolean_term(term);
  return Status::Ok();
}

void IndexText(Xapian::TermGenerator& gen, const IndexedRelease& r, const std::string& body_text) {
  const feeds::Release& rel = r.release;
  // Title and the short metadata fields are indexed both prefixed (for
  // field queries like title:...) and unprefixed (for plain queries).
  gen.index_text(rel.title, kTitleWeight, kPrefixTitle);
  gen.index_text(rel.title, kTitleWeight);
  gen.increase_termpos();
  gen.index_text(rel.doc_number, 1, kPrefixDocNumber);
  gen.index_text(rel.doc_number);
  gen.increase_termpos();
  gen.index_text(rel.authority, 1, kPrefixAuthority);
  gen.index_text(rel.authority);
  gen.increase_termpos();
  gen.index_text(body_text);
}

Status AddFilterTerms(Xapian::Document& doc, const IndexedRelease& r) {
  const feeds::Release& rel = r.release;
  for (const std::string& topic : rel.topics) {
    ZQ_RETURN_IF_ERROR(AddBooleanTerm(doc, kPrefixTopic, topic, "topic"));
  }
  doc.add_boolean_term(kPrefixLevel + std::string(feeds::NodeLevelName(r.level)));
  doc.add_boolean_term(kPrefixStatus + std::string(feeds::ReleaseStatusName(rel.status)));
  // An over-long authority only loses the exact filter; rejecting the whole
  // release for it would hide it from plain searches too.
  std::string authority = kPrefixExactAuthority + rel.authority;
  if (!rel.authority.empty() && authority.size() <= kMaxTermBytes) {
    doc.add_boolean_term(authority);
  }
  std::string exact = kPrefixExactDocNumber + rel.doc_number;
  // A positive wdf gives the term a weight, which the boost needs; an
  // over-long number just goes without the boost.
  if (!rel.doc_number.empty() && exact.size() <= kMaxTermBytes) doc.add_term(exact);
  return Status::Ok();
}

}  // namespace

Result<Xapian::Document> BuildDocument(const IndexedRelease& r) {
  const feeds::Release& rel = r.release;
  std::string body_text = text::HtmlToText(rel.body_html);
  Xapian::Document doc;
  Xapian::TermGenerator gen;
  gen.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  gen.set_document(doc);
  IndexText(gen, r, body_text);
  ZQ_RETURN_IF_ERROR(AddBooleanTerm(doc, kPrefixId, rel.id, "release id"));
  ZQ_RETURN_IF_ERROR(AddFilterTerms(doc, r));
  doc.add_value(kSlotDate, Xapian::sortable_serialise(static_cast<double>(rel.published_ms)));
  doc.add_value(kSlotSeq, Xapian::sortable_serialise(static_cast<double>(r.seq)));
  doc.set_data(DocumentData(r, body_text));
  return doc;
}

}  // namespace zhanqun::search::search_internal
