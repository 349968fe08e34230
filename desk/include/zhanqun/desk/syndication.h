// Foreign syndication formats: RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and
// Atom 1.0 feeds published by other sites, read into one plain model so the
// hub can ingest them. This is not our own Atom dialect (atom.h): nothing here
// is signed or trusted, and every field is best effort.
//
// Parsing policy: no network, no DTD loading, no entity substitution. A
// DOCTYPE without declarations is tolerated (old RSS 0.91 feeds carry one);
// a DTD that declares any entity is refused, which rules out external
// entities (XXE) and entity expansion (billion laughs). Documents declared as
// GB2312, GBK or GB18030 are decoded as GB18030 (a superset of both), other
// encodings as libxml2 knows them.
//
// Thread-safe: pure functions.
#ifndef ZHANQUN_DESK_SYNDICATION_H_
#define ZHANQUN_DESK_SYNDICATION_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::desk {

struct ForeignItem {
  std::string guid;     // <guid> / <atom:id> / rdf:about; "" when absent
  std::string link;     // absolute http(s) URL, or "" (other schemes dropped)
  std::string title;    // plain text
  std::string summary;  // <description> / <atom:summary>, as given
  bool summary_is_html = true;
  std::string content;          // <content:encoded> / <atom:content>, as given
  bool content_is_html = true;  // false for Atom type="text"
  std::optional<base::TimeMs> published_ms, updated_ms;
  std::vector<std::string> categories;
  std::string author;
  bool operator==(const ForeignItem&) const = default;
};

struct ForeignFeed {
  std::string format;  // "rss" (0.9x/2.0), "rdf" (RSS 1.0) or "atom"
  std::string title;
  std::string link;                // the site's home page, when given
  std::vector<ForeignItem> items;  // document order
  // Problems that did not stop the parse ("item 3: has neither <title> nor
  // <description>; skipped", "item 2: <pubDate>: date: ..."), and how many
  // items were skipped for them.
  std::vector<std::string> warnings;
  std::size_t items_skipped = 0;
};

struct SyndicationLimits {
  std::size_t max_bytes = 10 * 1024 * 1024;
  std::size_t max_items = 1000;
  int max_depth = 64;
};

// Parses a feed fetched from `base_url` (relative links resolve against it,
// or against xml:base in Atom).
// Errors: kResourceExhausted when a limit is exceeded; kInvalidArgument with
// a message naming the problem: "line 12: ..." for malformed XML, "DTD
// declares entity 'xxe'; entity declarations are refused", "not a feed: root
// element is <html>", "rss: channel has no <item> and no <title>".
base::Result<ForeignFeed> ParseSyndicationFeed(std::string_view bytes, const std::string& base_url,
                                               const SyndicationLimits& limits = {});

// Dates as feeds carry them: RFC 822/1123 ("Fri, 15 Feb 2019 08:00:00 +0800",
// "GMT", "EST", two-digit years), RFC 3339 ("2019-02-15T08:00:00+08:00"), and
// the zone-less "2019-02-15 08:00:00" / "2019-02-15" that Chinese sites
// write, taken as Beijing time (UTC+8). kInvalidArgument names the text.
base::Result<base::TimeMs> ParseFeedDate(std::string_view text);

// Resolves `ref` against `base` (RFC 3986). Returns "" unless the result is
// an http or https URL.
std::string ResolveHttpUrl(const std::string& ref, const std::string& base);

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_SYNDICATION_H_
