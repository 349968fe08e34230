// Renders a node's static site from a SiteSnapshot into a publish directory
// that any web server can serve:
//   index.html                 latest releases, topics, search form (-> search)
//   releases/<safe-id>.html    national text, then each interpretation layer
//   topics/index.html          all topics
//   topics/<safe-id>.html      releases of one topic, newest first
//   feed.xml                   Atom feed of the local site
//   sitemap.xml
//   assets/theme.css
// Withdrawn releases appear nowhere and their pages are deleted; repealed ones
// stay readable under a "已废止" banner. Every file is replaced atomically
// (temp file in the same directory, then rename), so a reader never sees a
// half-written page.
//
// Page templates are Mustache files: layout, home, release, topic, topics,
// search, gone (.mustache) and theme.css. Each is read from `override_dir`
// when that file exists there, else from `theme_dir`; every render checks
// whether the file changed (one stat) so an operator's change applies without
// a restart. Values are HTML-escaped; release bodies and layers are inserted
// raw only after passing feeds::SanitizeHtml again here (the last few long
// bodies' results are kept: a page is rendered again as layers arrive).
//
// Not thread-safe for concurrent renders into the same out_dir; the const
// page functions are thread-safe.
#ifndef ZHANQUN_LOCALIZATION_SITE_RENDERER_H_
#define ZHANQUN_LOCALIZATION_SITE_RENDERER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "zhanqun/base/env.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/localization/site.h"

namespace zhanqun::localization {

class SiteFiles;

enum class SearchSort { kRelevance, kDate };

struct SearchFilters {
  std::string topic;      // topic id; empty = any
  std::string authority;  // empty = any
  std::optional<feeds::NodeLevel> level;
  std::string date_from;  // YYYY-MM-DD; empty = open
  std::string date_to;
};

struct SearchPageHit {
  std::string id;  // release id; the link is ReleaseUrl(id)
  // Escaped text with matches wrapped in <mark>...</mark> (as the agent's
  // search index produces). Any other markup is escaped by the renderer.
  std::string title_html;
  std::string snippet_html;
  std::string doc_number;
  std::string authority;
  base::TimeMs published_ms = 0;
};

struct SearchPageModel {
  std::string query;
  SearchFilters filters;
  SearchSort sort = SearchSort::kRelevance;
  int page = 1;  // 1-based
  int page_size = 10;
  std::uint64_t total = 0;
  std::vector<SearchPageHit> hits;
  std::optional<std::string> did_you_mean;
};

class SiteRenderer {
 public:
  // `override_dir` may be empty (no overrides). Nothing is read until a
  // render call. Every file is read and written through `env`, which must
  // outlive the renderer.
  SiteRenderer(std::string theme_dir, std::string override_dir, std::string out_dir,
               base::Env& env = base::Env::Default());
  ~SiteRenderer();

  // Drops the sanitized bodies and theme files kept between renders (an
  // idle node's memory); the next render reads and sanitizes them again.
  void ReleaseMemory();

  // Renders every page, copies the stylesheet and deletes pages of releases
  // and topics no longer shown. Errors: kNotFound/kInvalidArgument naming the
  // template that is missing or does not parse; kIoError naming the file.
  base::Status RenderAll(const SiteSnapshot& site);

  // Renders the page of `release_id` (or deletes it when the release is
  // withdrawn or absent from `site`) and then the home page, topic pages,
  // feed.xml and sitemap.xml, and deletes pages no longer shown. `site` must
  // be the whole site, as for RenderAll. Errors as RenderAll.
  base::Status RenderRelease(const SiteSnapshot& site, const std::string& release_id);

  // Incremental rendering, for a caller that keeps list data only in
  // `site.releases` (see SiteSnapshot) and passes each changed release's full
  // page in turn. Errors as RenderAll.
  //
  // Writes `page`'s own file, or deletes it when the release is withdrawn (do
  // that after RenderIndexes, so no index links a deleted page). `page` need
  // not be the instance in `site`.
  base::Status RenderReleasePage(const SiteSnapshot& site, const ReleasePage& page);
  // Copies the stylesheet; writes the home page, the topics index, feed.xml,
  // sitemap.xml and the pages of the topics in `topics` (ids; every topic
  // when null), and deletes the page of a topic in `topics` no longer shown.
  base::Status RenderIndexes(const SiteSnapshot& site, const std::set<std::string>* topics);
  // Deletes the pages of releases and topics `site` does not show (left by an
  // earlier run); lists the publish directory.
  base::Status RemoveStale(const SiteSnapshot& site);

  // The search page (served at "<site root>/search") as a string.
  base::Result<std::string> RenderSearchPage(const SiteSnapshot& site,
                                             const SearchPageModel& model) const;

  // A short "已撤回" notice to serve with HTTP 410 at ReleaseUrl(release_id)
  // for a withdrawn release; its links assume that location.
  base::Result<std::string> RenderGonePage(const SiteSnapshot& site,
                                           const std::string& release_id) const;

 private:
  base::Status WritePage(const std::string& rel_path, const std::string& content);
  base::Status CopyStylesheet();

  std::string theme_dir_;
  std::string override_dir_;
  std::string out_dir_;
  std::unique_ptr<SiteFiles> files_;
};

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_SITE_RENDERER_H_
