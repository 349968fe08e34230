// Full-text index of releases (Xapian, CJK n-grams).
//
// Each release is one document, keyed by release id (a unique boolean term
// "Q<id>"), so re-indexing a release replaces it. Indexed text: title
// (weighted, prefix "S"), document number ("XD"), authority ("XA"), body text.
// Boolean filter terms: topics "XT<topic>", level "XL<level name>", status
// "XS<status>", the whole authority "XAUTH<authority>" (exact 发文机关 match;
// skipped when longer than a Xapian term may be, and absent from documents
// indexed before it existed until they are re-indexed); the whole document
// number is also one term "XN<doc_number>", so a query that is exactly a 文号
// ranks its document first. Value slots:
// kSlotDate (published time, sortable string), kSlotSeq (origin log seq).
// Stored document data: JSON with id, version, title, doc_number, authority,
// published, topics, origin, seq, body_text (plain text, for snippets).
//
// Not thread-safe: one writer object per database (the caller keeps a second
// writer out, see ReleaseMemory); readers open their own SearchIndex in
// read-only mode. Xapian exceptions never escape: they become
// Status values.
#ifndef ZHANQUN_SEARCH_SEARCH_INDEX_H_
#define ZHANQUN_SEARCH_SEARCH_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::search {

struct IndexedRelease {
  feeds::Release release;
  std::string origin;                                    // log origin that carried it
  std::uint64_t seq = 0;                                 // its seq in that log
  feeds::NodeLevel level = feeds::NodeLevel::kNational;  // level of the origin
};

enum class SearchSort {
  kRelevance,  // best match first
  kDate,       // newest published first, then by relevance
};

struct SearchQuery {
  std::string text;  // user query, Chinese or not
  std::optional<std::string> topic;
  std::optional<std::string> authority;   // exact 发文机关, e.g. "国务院办公厅"
  std::optional<feeds::NodeLevel> level;  // level of the origin that carried it
  std::optional<base::TimeMs> from_ms;    // published_ms >= from_ms
  std::optional<base::TimeMs> to_ms;      // published_ms <= to_ms
  SearchSort sort = SearchSort::kRelevance;
  std::size_t offset = 0;
  std::size_t limit = 10;
};

struct SearchHit {
  std::string id;
  int version = 1;
  std::string title;
  std::string doc_number;
  std::string authority;
  base::TimeMs published_ms = 0;
  double score = 0;          // percent 0..100
  std::string snippet_html;  // body snippet, matches wrapped in <mark>, escaped
  std::string title_html;    // title with matches in <mark>, escaped
};

struct SearchResults {
  std::uint64_t estimated_total = 0;
  std::vector<SearchHit> hits;
  // Set only when nothing matches the query (with its filters): another query
  // text that does match with the same filters. Xapian's spelling table does
  // not help with CJK n-grams, so candidates are built from the index's own
  // terms and each is checked by running it; the first tier with a hit wins,
  // the candidate with most matches within a tier:
  //   1. each unknown Latin word replaced by the indexed word nearest to it
  //      (edit distance <= 2, most frequent first);
  //   2. one CJK character that occurs in no document replaced by one that
  //      forms indexed bigrams with both neighbours (职业教肓 -> 职业教育);
  //   3. one CJK character deleted (职业教育育 -> 职业教育);
  //   4. as 2, for a character that does occur;
  //   5. the longest run of the query (>= 2 characters, not cutting a Latin
  //      word) that has hits, leftmost first.
  // Bounded: queries over 40 characters get no suggestion, and at most a
  // fixed number of candidate searches are run.
  std::optional<std::string> did_you_mean;
};

class SearchIndex {
 public:
  enum class Mode { kReadOnly, kWritable };
  // Opens (creating if writable and absent) the database at `dir`.
  // Pass an empty dir for an in-memory index (tests use both backends).
  static base::Result<std::unique_ptr<SearchIndex>> Open(const std::string& dir, Mode mode);
  ~SearchIndex();

  // Adds or replaces a release. Withdrawn releases are removed instead.
  // Changes are visible to this object at once and durable after Commit().
  base::Status Put(const IndexedRelease& r);
  base::Status Remove(const std::string& release_id);
  base::Status Commit();
  // Highest seq of `origin` committed to the index (persisted as metadata
  // "seq:<origin>"); 0 if none. Used to repair after a crash. A writable
  // index also sees a value set but not yet committed.
  std::uint64_t IndexedSeq(const std::string& origin) const;
  // Records the seq; persisted on the next Commit().
  base::Status SetIndexedSeq(const std::string& origin, std::uint64_t seq);

  // REQUIRES: query.limit <= 100. Empty text => kInvalidArgument. Filters
  // combine with AND; a from_ms after to_ms simply matches nothing.
  base::Result<SearchResults> Search(const SearchQuery& query) const;
  // Reopens a read-only handle to see the latest commit.
  base::Status Refresh();
  // A writable on-disk index with everything committed closes its writer
  // (about 1 MB of Xapian's table cursors and block buffers after a few
  // commits, measured) and keeps a read-only handle (about 0.1 MB) for
  // searches; the next write reopens the writer (tens of microseconds).
  // Returns whether it closed the writer. While it is closed, the
  // database's write lock is not held.
  bool ReleaseMemory();
  std::uint64_t DocCount() const;

 private:
  struct Impl;
  explicit SearchIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhanqun::search

#endif  // ZHANQUN_SEARCH_SEARCH_INDEX_H_
