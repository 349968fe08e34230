// Full-text index of releases (Xapian, CJK n-grams).
//
// Each release is one document, keyed by release id (a unique boolean term
// "Q<id>"), so re-indexing a release replaces it. Indexed text: title
// (weighted, prefix "S"), document number ("XD"), authority ("XA"), body text.
// Boolean filter terms: topics "XT<topic>", level "XL<level name>", status
// "XS<status>"; the whole document number is also one term "XN<doc_number>",
// so a query that is exactly a 文号 ranks its document first. Value slots:
// kSlotDate (published time, sortable string), kSlotSeq (origin log seq).
// Stored document data: JSON with id, version, title, doc_number, authority,
// published, topics, origin, seq, body_text (plain text, for snippets).
//
// Not thread-safe: one writer object per database; readers open their own
// SearchIndex in read-only mode. Xapian exceptions never escape: they become
// Status values.
#ifndef ZHANQUN_AGENT_SEARCH_INDEX_H_
#define ZHANQUN_AGENT_SEARCH_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/status.h"

namespace zhanqun::agent {

struct IndexedRelease {
  feeds::Release release;
  std::string origin;       // log origin that carried it
  std::uint64_t seq = 0;    // its seq in that log
  feeds::NodeLevel level = feeds::NodeLevel::kNational;  // level of the origin
};

struct SearchQuery {
  std::string text;                 // user query, Chinese or not
  std::optional<std::string> topic;
  std::size_t offset = 0;
  std::size_t limit = 10;
};

struct SearchHit {
  std::string id;
  int version = 1;
  std::string title;
  std::string doc_number;
  std::string authority;
  feeds::TimeMs published_ms = 0;
  double score = 0;                 // percent 0..100
  std::string snippet_html;         // body snippet, matches wrapped in <mark>, escaped
  std::string title_html;           // title with matches in <mark>, escaped
};

struct SearchResults {
  std::uint64_t estimated_total = 0;
  std::vector<SearchHit> hits;
};

class SearchIndex {
 public:
  enum class Mode { kReadOnly, kWritable };
  // Opens (creating if writable and absent) the database at `dir`.
  // Pass an empty dir for an in-memory index (tests use both backends).
  static feeds::Result<std::unique_ptr<SearchIndex>> Open(const std::string& dir, Mode mode);
  ~SearchIndex();

  // Adds or replaces a release. Withdrawn releases are removed instead.
  // Changes are visible to this object at once and durable after Commit().
  feeds::Status Put(const IndexedRelease& r);
  feeds::Status Remove(const std::string& release_id);
  feeds::Status Commit();
  // Highest seq of `origin` committed to the index (persisted as metadata
  // "seq:<origin>"); 0 if none. Used to repair after a crash. A writable
  // index also sees a value set but not yet committed.
  std::uint64_t IndexedSeq(const std::string& origin) const;
  // Records the seq; persisted on the next Commit().
  feeds::Status SetIndexedSeq(const std::string& origin, std::uint64_t seq);

  // REQUIRES: query.limit <= 100. Empty text => kInvalidArgument.
  feeds::Result<SearchResults> Search(const SearchQuery& query) const;
  // Reopens a read-only handle to see the latest commit.
  feeds::Status Refresh();
  std::uint64_t DocCount() const;

 private:
  struct Impl;
  explicit SearchIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_SEARCH_INDEX_H_
