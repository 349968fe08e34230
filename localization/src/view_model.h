// Turns the site model into Mustache data. Every string put here is escaped
// by the template unless the key ends in _html; those are sanitized here.
#ifndef ZHANQUN_LOCALIZATION_VIEW_MODEL_H_
#define ZHANQUN_LOCALIZATION_VIEW_MODEL_H_

#include <string>
#include <vector>

#include "mustache.h"
#include "zhanqun/localization/node_profile.h"
#include "zhanqun/localization/site.h"

namespace zhanqun::localization {

// Number of characters of body text in release.summary.
inline constexpr std::size_t kSummaryChars = 120;

// node.* fields (see interpretation.h).
mustache::data NodeData(const NodeProfile& node);

// release.* fields (see interpretation.h) plus published_iso, status flags
// (repealed, amended) and body-free metadata. Does not include the body.
mustache::data ReleaseFields(const feeds::Release& r);

// Releases that are shown anywhere: not withdrawn, newest first.
std::vector<const ReleasePage*> VisibleReleases(const SiteSnapshot& site);

// The snapshot's topics followed by any topic a visible release names but the
// snapshot does not define (titled by its id).
std::vector<Topic> AllTopics(const SiteSnapshot& site);

// An entry of a release list, linking from a page at depth `root`.
mustache::data ReleaseListItem(const feeds::Release& r, const std::string& root);

// The release page's data: release fields, sanitized body, layers in level order.
mustache::data ReleasePageData(const ReleasePage& page, const std::vector<Topic>& topics,
                               const std::string& root);

// Data for layout.mustache around a page whose own output is `content_html`.
mustache::data LayoutData(const SiteSnapshot& site, const std::string& page_title,
                          const std::string& root, const std::string& nav,
                          const std::string& content_html);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_VIEW_MODEL_H_
