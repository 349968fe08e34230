// Turns the site model into Mustache data. Every string put here is escaped
// by the template unless the key ends in _html; those are sanitized here.
#ifndef ZHANQUN_LOCALIZATION_VIEW_MODEL_H_
#define ZHANQUN_LOCALIZATION_VIEW_MODEL_H_

#include <map>
#include <string>
#include <vector>

#include "zhanqun/localization/node_profile.h"
#include "zhanqun/localization/site.h"
#include "zhanqun/text/template.h"

namespace zhanqun::localization {

// Number of characters of body text in release.summary.
inline constexpr std::size_t kSummaryChars = 120;

// Drops the sanitized bodies kept between renders (ReleaseRenderCaches).
void ForgetSanitizedBodies();

// node.* fields (see interpretation.h).
text::TemplateData NodeData(const NodeProfile& node);

// release.* fields (see interpretation.h) plus published_iso, status flags
// (repealed, amended) and body-free metadata. Does not include the body.
text::TemplateData ReleaseFields(const feeds::Release& r);
// The same with the list excerpt given (release.summary is `summary`).
text::TemplateData ReleaseFields(const feeds::Release& r, const std::string& summary);

// page.summary, or the release's summary computed from its body when unset.
std::string SummaryOf(const ReleasePage& page);

// Releases that are shown anywhere: not withdrawn, newest first.
std::vector<const ReleasePage*> VisibleReleases(const SiteSnapshot& site);

// The snapshot's topics followed by any topic a visible release names but the
// snapshot does not define (titled by its id).
std::vector<Topic> AllTopics(const SiteSnapshot& site);

// How many of `releases` name each topic id.
std::map<std::string, std::size_t> TopicCounts(const std::vector<const ReleasePage*>& releases);

// An entry of a release list, linking from a page at depth `root`.
text::TemplateData ReleaseListItem(const ReleasePage& page, const std::string& root);

// The release page's data: release fields, sanitized body, layers in level
// order. `topics` titles the release's topic links (an id not there is its own title).
text::TemplateData ReleasePageData(const ReleasePage& page, const std::vector<Topic>& topics,
                                   const std::string& root);

// Data for layout.mustache around a page whose own output is `content_html`.
text::TemplateData LayoutData(const SiteSnapshot& site, const std::string& page_title,
                              const std::string& root, const std::string& nav,
                              const std::string& content_html);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_VIEW_MODEL_H_
