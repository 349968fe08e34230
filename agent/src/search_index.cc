// Xapian adapter for SearchIndex. This is the only file that includes Xapian;
// every Xapian::Error is turned into a Status before it leaves a function.
#include "zhanqun/agent/search_index.h"

#include <xapian.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "zhanqun/feeds/sanitize.h"

namespace zhanqun::agent {
namespace {

using feeds::Result;
using feeds::Status;
using nlohmann::json;

constexpr Xapian::valueno kSlotDate = 0;
constexpr Xapian::valueno kSlotSeq = 1;

constexpr const char* kPrefixId = "Q";
constexpr const char* kPrefixTitle = "S";
constexpr const char* kPrefixDocNumber = "XD";
constexpr const char* kPrefixAuthority = "XA";
constexpr const char* kPrefixTopic = "XT";
constexpr const char* kPrefixLevel = "XL";
constexpr const char* kPrefixStatus = "XS";
// Whole document number as one term, so a query that is exactly a 文号 can be
// boosted to the top instead of competing on its common n-grams (国, 发, 2019).
constexpr const char* kPrefixExactDocNumber = "XN";

constexpr Xapian::termcount kTitleWeight = 3;
constexpr double kExactDocNumberBoost = 10.0;
constexpr std::size_t kMaxLimit = 100;
// Glass rejects terms longer than 245 bytes; stay clear of it.
constexpr std::size_t kMaxTermBytes = 240;
// Xapian measures snippets in bytes; a CJK character takes three, so this is
// about 100 characters of Chinese text.
constexpr std::size_t kSnippetBytes = 300;
constexpr unsigned kSnippetFlags = Xapian::MSet::SNIPPET_CJK_NGRAM |
                                   Xapian::MSet::SNIPPET_EXHAUSTIVE |
                                   Xapian::MSet::SNIPPET_BACKGROUND_MODEL;
constexpr const char* kMarkStart = "<mark>";
constexpr const char* kMarkEnd = "</mark>";

// Xapian::Error is not polymorphic, so the subclass is told by its type name.
Status FromXapian(const Xapian::Error& e, const std::string& what) {
  std::string message = "search index: " + what + ": " + e.get_description();
  std::string type = e.get_type();
  if (type == "DatabaseCorruptError") return Status::Corruption(std::move(message));
  if (type == "DatabaseNotFoundError") return Status::NotFound(std::move(message));
  if (type == "InvalidArgumentError") return Status::Invalid(std::move(message));
  return Status::IoError(std::move(message));
}

std::string Trim(const std::string& s) {
  const char* kSpace = " \t\r\n\f\v";
  std::size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string::npos) return "";
  std::size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

std::string SeqKey(const std::string& origin) { return "seq:" + origin; }

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
  std::string exact = kPrefixExactDocNumber + rel.doc_number;
  // A positive wdf gives the term a weight, which the boost needs; an
  // over-long number just goes without the boost.
  if (!rel.doc_number.empty() && exact.size() <= kMaxTermBytes) doc.add_term(exact);
  return Status::Ok();
}

Result<Xapian::Document> BuildDocument(const IndexedRelease& r) {
  const feeds::Release& rel = r.release;
  std::string body_text = feeds::HtmlToText(rel.body_html);
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

Xapian::QueryParser MakeQueryParser(const Xapian::Database& db) {
  Xapian::QueryParser parser;
  parser.set_database(db);
  parser.set_default_op(Xapian::Query::OP_AND);
  parser.add_prefix("title", kPrefixTitle);
  parser.add_prefix("标题", kPrefixTitle);
  parser.add_prefix("docno", kPrefixDocNumber);
  parser.add_prefix("文号", kPrefixDocNumber);
  parser.add_prefix("authority", kPrefixAuthority);
  parser.add_prefix("机关", kPrefixAuthority);
  return parser;
}

Result<Xapian::Query> ParseQuery(const Xapian::Database& db, const SearchQuery& query) {
  std::string text = Trim(query.text);
  if (text.empty()) return Status::Invalid("query: text is empty");
  Xapian::Query parsed;
  try {
    parsed = MakeQueryParser(db).parse_query(
        text, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM);
  } catch (const Xapian::QueryParserError& e) {
    return Status::Invalid("query: " + e.get_msg());
  }
  Xapian::Query exact(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(kPrefixExactDocNumber + text),
                      kExactDocNumberBoost);
  Xapian::Query q(Xapian::Query::OP_OR, parsed, exact);
  if (!query.topic.has_value()) return q;
  return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(kPrefixTopic + *query.topic));
}

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
  hit.published_ms = data.value("published", feeds::TimeMs{0});
  hit.score = it.get_percent();
  std::string body_text = data.value("body_text", "");
  hit.snippet_html = Highlight(mset, body_text, kSnippetBytes, kSnippetFlags, "…");
  // Asking for more bytes than the title has returns all of it, highlighted.
  hit.title_html =
      Highlight(mset, hit.title, hit.title.size() + 1, Xapian::MSet::SNIPPET_CJK_NGRAM, "");
  return hit;
}

}  // namespace

struct SearchIndex::Impl {
  // Set in writable mode; `reader` then refers to the same database.
  std::optional<Xapian::WritableDatabase> writer;
  Xapian::Database reader;

  Status RequireWritable(const char* what) const {
    if (writer.has_value()) return Status::Ok();
    return Status::Precondition(std::string("search index: ") + what + " needs a writable index");
  }
};

feeds::Result<std::unique_ptr<SearchIndex>> SearchIndex::Open(const std::string& dir, Mode mode) {
  auto impl = std::make_unique<Impl>();
  if (dir.empty() && mode == Mode::kReadOnly) {
    return Status::Invalid("search index: an in-memory index must be writable");
  }
  try {
    if (dir.empty()) {
      impl->writer.emplace(std::string(), Xapian::DB_BACKEND_INMEMORY);
    } else if (mode == Mode::kWritable) {
      impl->writer.emplace(dir, Xapian::DB_CREATE_OR_OPEN);
    } else {
      impl->reader = Xapian::Database(dir);
    }
    if (impl->writer.has_value()) impl->reader = *impl->writer;
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "opening '" + dir + "'");
  }
  return std::unique_ptr<SearchIndex>(new SearchIndex(std::move(impl)));
}

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchIndex::~SearchIndex() = default;

feeds::Status SearchIndex::Put(const IndexedRelease& r) {
  ZQ_RETURN_IF_ERROR(impl_->RequireWritable("Put"));
  if (r.release.status == feeds::ReleaseStatus::kWithdrawn) return Remove(r.release.id);
  Result<Xapian::Document> doc = BuildDocument(r);
  if (!doc.ok()) return doc.status();
  try {
    impl_->writer->replace_document(kPrefixId + r.release.id, *doc);
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "indexing release '" + r.release.id + "'");
  }
  return Status::Ok();
}

feeds::Status SearchIndex::Remove(const std::string& release_id) {
  ZQ_RETURN_IF_ERROR(impl_->RequireWritable("Remove"));
  try {
    impl_->writer->delete_document(kPrefixId + release_id);
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "removing release '" + release_id + "'");
  }
  return Status::Ok();
}

feeds::Status SearchIndex::Commit() {
  ZQ_RETURN_IF_ERROR(impl_->RequireWritable("Commit"));
  try {
    impl_->writer->commit();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "commit");
  }
  return Status::Ok();
}

std::uint64_t SearchIndex::IndexedSeq(const std::string& origin) const {
  std::string value;
  try {
    value = impl_->reader.get_metadata(SeqKey(origin));
  } catch (const Xapian::Error&) {
    // Callers use 0 to mean "re-index from the start", which is always safe.
    return 0;
  }
  std::uint64_t seq = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seq);
  if (ec != std::errc() || end != value.data() + value.size()) return 0;
  return seq;
}

feeds::Status SearchIndex::SetIndexedSeq(const std::string& origin, std::uint64_t seq) {
  ZQ_RETURN_IF_ERROR(impl_->RequireWritable("SetIndexedSeq"));
  try {
    impl_->writer->set_metadata(SeqKey(origin), std::to_string(seq));
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "recording seq of origin '" + origin + "'");
  }
  return Status::Ok();
}

feeds::Result<SearchResults> SearchIndex::Search(const SearchQuery& query) const {
  if (query.limit > kMaxLimit) {
    return Status::Invalid("query: limit " + std::to_string(query.limit) + " exceeds " +
                           std::to_string(kMaxLimit));
  }
  try {
    Result<Xapian::Query> q = ParseQuery(impl_->reader, query);
    if (!q.ok()) return q.status();
    Xapian::Enquire enquire(impl_->reader);
    enquire.set_query(*q);
    Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(query.offset),
                                         static_cast<Xapian::doccount>(query.limit));
    SearchResults results;
    results.estimated_total = mset.get_matches_estimated();
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
      Result<SearchHit> hit = MakeHit(mset, it);
      if (!hit.ok()) return hit.status();
      results.hits.push_back(std::move(hit).value());
    }
    return results;
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "search");
  }
}

feeds::Status SearchIndex::Refresh() {
  try {
    impl_->reader.reopen();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "reopen");
  }
  return Status::Ok();
}

std::uint64_t SearchIndex::DocCount() const {
  try {
    return impl_->reader.get_doccount();
  } catch (const Xapian::Error&) {
    // Only a status page reads this; an unreadable index shows as empty.
    return 0;
  }
}

}  // namespace zhanqun::agent
