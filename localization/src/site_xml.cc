#include <algorithm>

#include "pages.h"
#include "text_util.h"
#include "view_model.h"
#include "zhanqun/base/time.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::localization {
namespace {

// Feed readers only need the recent past; the sitemap lists everything.
constexpr std::size_t kFeedEntries = 50;

std::string Tag(const std::string& name, const std::string& text) {
  return "<" + name + ">" + text::EscapeHtml(text) + "</" + name + ">";
}

std::string FeedEntry(const SiteSnapshot& site, const ReleasePage& page) {
  const feeds::Release& r = page.release;
  const std::string url = JoinUrl(site.base_url, ReleaseUrl(r.id));
  std::string e = "  <entry>\n";
  e += "    " + Tag("id", url) + "\n";
  e += "    " + Tag("title", r.title) + "\n";
  e += "    <link rel=\"alternate\" type=\"text/html\" href=\"" + text::EscapeHtml(url) + "\"/>\n";
  e += "    " + Tag("updated", base::FormatTime(r.published_ms)) + "\n";
  e += "    <author>" + Tag("name", r.authority) + "</author>\n";
  e += "    " + Tag("summary", SummaryOf(page)) + "\n";
  e += "  </entry>\n";
  return e;
}

std::string SitemapUrl(const std::string& loc, const std::string& lastmod) {
  std::string u = "  <url>" + Tag("loc", loc);
  if (!lastmod.empty()) u += Tag("lastmod", lastmod);
  return u + "</url>\n";
}

}  // namespace

std::string AtomFeedXml(const SiteSnapshot& site) {
  const std::vector<const ReleasePage*> releases = VisibleReleases(site);
  const std::string title = site.node.site_title.empty() ? site.node.name : site.node.site_title;
  const base::TimeMs updated = releases.empty() ? 0 : releases.front()->release.published_ms;
  std::string x = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  x += "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n";
  x += "  " + Tag("id", JoinUrl(site.base_url, "feed.xml")) + "\n";
  x += "  " + Tag("title", title) + "\n";
  x += "  " + Tag("updated", base::FormatTime(updated)) + "\n";
  x += "  <author>" + Tag("name", title) + "</author>\n";
  x += "  <link rel=\"self\" href=\"" + text::EscapeHtml(JoinUrl(site.base_url, "feed.xml")) +
       "\"/>\n";
  x += "  <link rel=\"alternate\" type=\"text/html\" href=\"" +
       text::EscapeHtml(JoinUrl(site.base_url, "")) + "\"/>\n";
  for (std::size_t i = 0; i < releases.size() && i < kFeedEntries; ++i) {
    x += FeedEntry(site, *releases[i]);
  }
  return x + "</feed>\n";
}

std::string SitemapXml(const SiteSnapshot& site) {
  std::string x = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  x += "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  x += SitemapUrl(JoinUrl(site.base_url, ""), "");
  x += SitemapUrl(JoinUrl(site.base_url, "topics/index.html"), "");
  for (const ReleasePage* p : VisibleReleases(site)) {
    x += SitemapUrl(JoinUrl(site.base_url, ReleaseUrl(p->release.id)),
                    IsoDate(p->release.published_ms));
  }
  for (const Topic& t : AllTopics(site)) {
    x += SitemapUrl(JoinUrl(site.base_url, TopicUrl(t.id)), "");
  }
  return x + "</urlset>\n";
}

}  // namespace zhanqun::localization
