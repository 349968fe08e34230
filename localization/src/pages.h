// One function per page type; each returns the complete HTML document.
#ifndef ZHANQUN_LOCALIZATION_PAGES_H_
#define ZHANQUN_LOCALIZATION_PAGES_H_

#include <string>

#include "theme.h"
#include "zhanqun/base/status.h"
#include "zhanqun/localization/site.h"
#include "zhanqun/localization/site_renderer.h"

namespace zhanqun::localization {

// How many releases the home page lists.
inline constexpr std::size_t kHomeReleases = 20;

base::Result<std::string> HomePage(const Theme& theme, const SiteSnapshot& site);
base::Result<std::string> ReleasePageHtml(const Theme& theme, const SiteSnapshot& site,
                                          const ReleasePage& page);
base::Result<std::string> TopicsIndexPage(const Theme& theme, const SiteSnapshot& site);
base::Result<std::string> TopicPage(const Theme& theme, const SiteSnapshot& site,
                                    const Topic& topic);
base::Result<std::string> SearchPage(const Theme& theme, const SiteSnapshot& site,
                                     const SearchPageModel& model);
base::Result<std::string> GonePage(const Theme& theme, const SiteSnapshot& site);

// feed.xml and sitemap.xml.
std::string AtomFeedXml(const SiteSnapshot& site);
std::string SitemapXml(const SiteSnapshot& site);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_PAGES_H_
