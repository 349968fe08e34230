// One function per page type; each returns the complete HTML document.
#ifndef ZHANQUN_LOCALIZATION_PAGES_H_
#define ZHANQUN_LOCALIZATION_PAGES_H_

#include <string>

#include "theme.h"
#include "zhanqun/feeds/status.h"
#include "zhanqun/localization/site.h"
#include "zhanqun/localization/site_renderer.h"

namespace zhanqun::localization {

// How many releases the home page lists.
inline constexpr std::size_t kHomeReleases = 20;

feeds::Result<std::string> HomePage(const Theme& theme, const SiteSnapshot& site);
feeds::Result<std::string> ReleasePageHtml(const Theme& theme, const SiteSnapshot& site,
                                           const ReleasePage& page);
feeds::Result<std::string> TopicsIndexPage(const Theme& theme, const SiteSnapshot& site);
feeds::Result<std::string> TopicPage(const Theme& theme, const SiteSnapshot& site,
                                     const Topic& topic);
feeds::Result<std::string> SearchPage(const Theme& theme, const SiteSnapshot& site,
                                      const SearchPageModel& model);
feeds::Result<std::string> GonePage(const Theme& theme, const SiteSnapshot& site);

// feed.xml and sitemap.xml.
std::string AtomFeedXml(const SiteSnapshot& site);
std::string SitemapXml(const SiteSnapshot& site);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_PAGES_H_
