// Private to the SearchIndex implementation: the Xapian document layout
// (value slots and term prefixes, documented in search_index.h) and the
// pieces the index, query, document and suggester files share. Only these
// files include Xapian.
#ifndef ZHANQUN_SEARCH_SRC_SEARCH_INTERNAL_H_
#define ZHANQUN_SEARCH_SRC_SEARCH_INTERNAL_H_

#include <xapian.h>

#include <cstddef>
#include <optional>
#include <string>

#include "zhanqun/base/status.h"
#include "zhanqun/search/search_index.h"

namespace zhanqun::search::search_internal {

inline constexpr Xapian::valueno kSlotDate = 0;
inline constexpr Xapian::valueno kSlotSeq = 1;

inline constexpr const char* kPrefixId = "Q";
inline constexpr const char* kPrefixTitle = "S";
inline constexpr const char* kPrefixDocNumber = "XD";
inline constexpr const char* kPrefixAuthority = "XA";
// Whole 发文机关 as one boolean term; generated "XA" terms are lower case, so
// they never collide with it.
inline constexpr const char* kPrefixExactAuthority = "XAUTH";
inline constexpr const char* kPrefixTopic = "XT";
inline constexpr const char* kPrefixLevel = "XL";
inline constexpr const char* kPrefixStatus = "XS";
// Whole document number as one term, so a query that is exactly a 文号 can be
// boosted to the top instead of competing on its common n-grams (国, 发, 2019).
inline constexpr const char* kPrefixExactDocNumber = "XN";

// `s` without leading and trailing ASCII white space.
std::string Trim(std::string_view s);

// The document for `r` (search_document.cc). Errors: kInvalidArgument when
// the release id or a topic is too long to be a Xapian term.
base::Result<Xapian::Document> BuildDocument(const IndexedRelease& r);

// The Xapian query for `query`'s text and filters (search_query.cc).
// Errors: kInvalidArgument for empty text or text that does not parse.
// May throw Xapian::Error; callers turn it into a Status.
base::Result<Xapian::Query> ParseQuery(const Xapian::Database& db, const SearchQuery& query);

// The search hit for the document at `it` in `mset` (search_hit.cc).
// Errors: kCorruption when the stored document data is not a JSON object.
base::Result<SearchHit> MakeHit(const Xapian::MSet& mset, const Xapian::MSetIterator& it);

// SearchResults::did_you_mean for a query with no matches
// (search_suggest.cc). May throw Xapian::Error; callers turn it into a Status.
std::optional<std::string> SuggestQuery(const Xapian::Database& db, const SearchQuery& query);

}  // namespace zhanqun::search::search_internal

#endif  // ZHANQUN_SEARCH_SRC_SEARCH_INTERNAL_H_
