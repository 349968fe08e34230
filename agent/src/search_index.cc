// Xapian adapter for SearchIndex. This is the only file that includes Xapian;
// every Xapian::Error is turned into a Status before it leaves a function.
#include "zhanqun/agent/search_index.h"

#include <xapian.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

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
// Whole 发文机关 as one boolean term; generated "XA" terms are lower case, so
// they never collide with it.
constexpr const char* kPrefixExactAuthority = "XAUTH";
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
  std::vector<Xapian::Query> filters;
  if (query.topic) filters.emplace_back(kPrefixTopic + *query.topic);
  if (query.authority) filters.emplace_back(kPrefixExactAuthority + *query.authority);
  if (query.level) {
    filters.emplace_back(kPrefixLevel + std::string(feeds::NodeLevelName(*query.level)));
  }
  auto date = [](feeds::TimeMs t) { return Xapian::sortable_serialise(static_cast<double>(t)); };
  if (query.from_ms && query.to_ms) {
    filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, kSlotDate, date(*query.from_ms),
                         date(*query.to_ms));
  } else if (query.from_ms) {
    filters.emplace_back(Xapian::Query::OP_VALUE_GE, kSlotDate, date(*query.from_ms));
  } else if (query.to_ms) {
    filters.emplace_back(Xapian::Query::OP_VALUE_LE, kSlotDate, date(*query.to_ms));
  }
  if (filters.empty()) return q;
  return Xapian::Query(Xapian::Query::OP_FILTER, q,
                       Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
}

void ConfigureEnquire(Xapian::Enquire& enquire, const Xapian::Query& q, SearchSort sort) {
  enquire.set_query(q);
  if (sort == SearchSort::kDate) enquire.set_sort_by_value_then_relevance(kSlotDate, true);
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

// --- Did-you-mean (method: see SearchResults::did_you_mean) ---

constexpr std::size_t kMaxSuggestChars = 40;
constexpr int kMaxSuggestSearches = 200;
constexpr std::size_t kMaxSubstitutesPerChar = 12;
constexpr std::size_t kMaxWordScan = 5000;
constexpr Xapian::doccount kSuggestCheckAtLeast = 100;
constexpr feeds::TimeMs kDayMs = 86400000;

bool IsCjkWord(unsigned ch) {
  bool cjk = (ch >= 0x2E80 && ch <= 0x2FDF) || (ch >= 0x3040 && ch <= 0x30FF) ||
             (ch >= 0x3400 && ch <= 0x4DBF) || (ch >= 0x4E00 && ch <= 0x9FFF) ||
             (ch >= 0xAC00 && ch <= 0xD7AF) || (ch >= 0xF900 && ch <= 0xFAFF) ||
             (ch >= 0x20000 && ch <= 0x2FA1F);
  return cjk && Xapian::Unicode::is_wordchar(ch);
}

bool IsLatinWord(unsigned ch) { return !IsCjkWord(ch) && Xapian::Unicode::is_wordchar(ch); }

using CodePoints = std::vector<unsigned>;

CodePoints Decode(const std::string& s) {
  CodePoints out;
  for (Xapian::Utf8Iterator it(s); it != Xapian::Utf8Iterator(); ++it) out.push_back(*it);
  return out;
}

std::string Encode(const CodePoints& cps) {
  std::string out;
  for (unsigned ch : cps) Xapian::Unicode::append_utf8(out, ch);
  return out;
}

std::string Encode(unsigned ch) { return Encode(CodePoints{ch}); }

std::size_t EditDistance(const CodePoints& a, const CodePoints& b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t replace = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, replace});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

class Suggester {
 public:
  Suggester(const Xapian::Database& db, const SearchQuery& query) : db_(db), query_(query) {}

  std::optional<std::string> Suggest() {
    std::string text = Trim(query_.text);
    cps_ = Decode(text);
    if (cps_.empty() || cps_.size() > kMaxSuggestChars) return std::nullopt;
    tried_.insert(text);
    for (void (Suggester::*tier)() :
         {&Suggester::CorrectWords, &Suggester::SubstituteUnknown, &Suggester::DeleteOne,
          &Suggester::SubstituteKnown, &Suggester::LongestRun}) {
      (this->*tier)();
      if (best_) return best_->text;
    }
    return std::nullopt;
  }

 private:
  struct Candidate {
    std::string text;
    Xapian::doccount matches = 0;
  };

  void Consider(const CodePoints& cps) {
    std::string text = Trim(Encode(cps));
    if (text.empty() || budget_ <= 0 || !tried_.insert(text).second) return;
    --budget_;
    Xapian::doccount matches = Matches(text);
    if (matches > 0 && (!best_ || matches > best_->matches)) best_ = Candidate{text, matches};
  }

  // Matches of `text` under the original filters; a text that does not
  // parse (an edit can break query syntax) has none.
  Xapian::doccount Matches(const std::string& text) const {
    SearchQuery q = query_;
    q.text = text;
    Result<Xapian::Query> parsed = ParseQuery(db_, q);
    if (!parsed.ok()) return 0;
    Xapian::Enquire enquire(db_);
    enquire.set_query(*parsed);
    Xapian::MSet mset = enquire.get_mset(0, 1, kSuggestCheckAtLeast);
    return mset.empty() ? 0 : mset.get_matches_estimated();
  }

  void CorrectWords() {
    CodePoints out;
    bool changed = false;
    for (std::size_t i = 0; i < cps_.size();) {
      if (!IsLatinWord(cps_[i])) {
        out.push_back(cps_[i++]);
        continue;
      }
      std::size_t end = i;
      while (end < cps_.size() && IsLatinWord(cps_[end])) ++end;
      CodePoints word;
      for (std::size_t k = i; k < end; ++k) word.push_back(Xapian::Unicode::tolower(cps_[k]));
      std::optional<CodePoints> fix = NearestWord(word);
      changed = changed || fix.has_value();
      const CodePoints& use = fix ? *fix : word;
      out.insert(out.end(), use.begin(), use.end());
      i = end;
    }
    if (changed) Consider(out);
  }

  // The most frequent indexed word within a small edit distance of an unknown
  // `word`. Only words with the same first letter are listed, which keeps
  // the scan short and is where most typos leave a word.
  std::optional<CodePoints> NearestWord(const CodePoints& word) const {
    if (word.size() < 3 || db_.term_exists(Encode(word))) return std::nullopt;
    const std::size_t max_distance = word.size() <= 4 ? 1 : 2;
    const std::string prefix = Encode(word[0]);
    std::optional<CodePoints> best;
    std::size_t best_distance = max_distance + 1;
    Xapian::doccount best_freq = 0;
    std::size_t scanned = 0;
    for (Xapian::TermIterator it = db_.allterms_begin(prefix);
         it != db_.allterms_end(prefix) && scanned < kMaxWordScan; ++it, ++scanned) {
      CodePoints term = Decode(*it);
      if (term.size() + max_distance < word.size() || term.size() > word.size() + max_distance) {
        continue;
      }
      std::size_t distance = EditDistance(word, term);
      Xapian::doccount freq = it.get_termfreq();
      if (distance < best_distance || (distance == best_distance && freq > best_freq)) {
        best = std::move(term);
        best_distance = distance;
        best_freq = freq;
      }
    }
    return best;
  }

  // CJK characters that form indexed bigrams with both neighbours of
  // position i, most frequent first. Bigrams can only be listed by their
  // first character, so a position without a CJK left neighbour gets none.
  CodePoints Substitutes(std::size_t i) const {
    if (i == 0 || !IsCjkWord(cps_[i - 1])) return {};
    const bool right = i + 1 < cps_.size() && IsCjkWord(cps_[i + 1]);
    const std::string prefix = Encode(cps_[i - 1]);
    std::vector<std::pair<Xapian::doccount, unsigned>> found;
    for (Xapian::TermIterator it = db_.allterms_begin(prefix); it != db_.allterms_end(prefix);
         ++it) {
      CodePoints term = Decode(*it);
      if (term.size() != 2 || term[1] == cps_[i] || !IsCjkWord(term[1])) continue;
      if (right && !db_.term_exists(Encode(CodePoints{term[1], cps_[i + 1]}))) continue;
      found.emplace_back(it.get_termfreq(), term[1]);
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    CodePoints out;
    for (std::size_t k = 0; k < found.size() && k < kMaxSubstitutesPerChar; ++k) {
      out.push_back(found[k].second);
    }
    return out;
  }

  void Substitute(bool known) {
    for (std::size_t i = 0; i < cps_.size(); ++i) {
      if (!IsCjkWord(cps_[i]) || db_.term_exists(Encode(cps_[i])) != known) continue;
      for (unsigned ch : Substitutes(i)) {
        CodePoints edited = cps_;
        edited[i] = ch;
        Consider(edited);
      }
    }
  }
  void SubstituteUnknown() { Substitute(false); }
  void SubstituteKnown() { Substitute(true); }

  void DeleteOne() {
    for (std::size_t i = 0; i < cps_.size(); ++i) {
      if (!IsCjkWord(cps_[i])) continue;
      CodePoints edited = cps_;
      edited.erase(edited.begin() + static_cast<std::ptrdiff_t>(i));
      Consider(edited);
    }
  }

  void LongestRun() {
    const std::size_t n = cps_.size();
    for (std::size_t len = n - 1; len >= 2 && len < n; --len) {
      for (std::size_t start = 0; start + len <= n; ++start) {
        const std::size_t end = start + len;
        if (start > 0 && IsLatinWord(cps_[start - 1]) && IsLatinWord(cps_[start])) continue;
        if (end < n && IsLatinWord(cps_[end - 1]) && IsLatinWord(cps_[end])) continue;
        Consider(CodePoints(cps_.begin() + static_cast<std::ptrdiff_t>(start),
                            cps_.begin() + static_cast<std::ptrdiff_t>(end)));
        // The leftmost of the longest runs wins, not the most frequent.
        if (best_) return;
      }
    }
  }

  const Xapian::Database& db_;
  const SearchQuery& query_;
  CodePoints cps_;
  std::set<std::string> tried_;
  std::optional<Candidate> best_;
  int budget_ = kMaxSuggestSearches;
};

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
    ConfigureEnquire(enquire, *q, query.sort);
    Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(query.offset),
                                         static_cast<Xapian::doccount>(query.limit));
    SearchResults results;
    results.estimated_total = mset.get_matches_estimated();
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
      Result<SearchHit> hit = MakeHit(mset, it);
      if (!hit.ok()) return hit.status();
      results.hits.push_back(std::move(hit).value());
    }
    if (mset.get_matches_upper_bound() == 0) {
      results.did_you_mean = Suggester(impl_->reader, query).Suggest();
    }
    return results;
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "search");
  }
}

feeds::Result<std::pair<feeds::TimeMs, feeds::TimeMs>> BeijingDayRangeMs(const std::string& day) {
  if (day.size() == 10) {
    Result<feeds::TimeMs> start = feeds::ParseTime(day + "T00:00:00+08:00");
    if (start.ok()) return std::make_pair(*start, *start + kDayMs - 1);
  }
  return Status::Invalid("expected a calendar date YYYY-MM-DD, got \"" + day + "\"");
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
