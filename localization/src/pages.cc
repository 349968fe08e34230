#include "pages.h"

#include "view_model.h"

namespace zhanqun::localization {
namespace {

// Pages under releases/ and topics/ reach the site root one level up.
constexpr const char* kSubdirRoot = "../";

text::TemplateData List() { return text::TemplateData::List(); }

bool HasTopic(const feeds::Release& r, const std::string& id) {
  for (const std::string& t : r.topics) {
    if (t == id) return true;
  }
  return false;
}

text::TemplateData TopicItem(const Topic& t, std::size_t count, const std::string& root) {
  text::TemplateData item;
  item.set("id", t.id);
  item.set("title", t.title.empty() ? t.id : t.title);
  item.set("description", t.description);
  item.set("has_description", !t.description.empty());
  item.set("local", t.local);
  item.set("url", root + TopicUrl(t.id));
  item.set("count", std::to_string(count));
  return item;
}

// One pass over the releases for every topic's count: a site with thousands
// of releases re-renders these lists on every refresh.
text::TemplateData TopicList(const SiteSnapshot& site, const std::string& root) {
  const std::map<std::string, std::size_t> counts = TopicCounts(VisibleReleases(site));
  text::TemplateData list = List();
  for (const Topic& t : AllTopics(site)) {
    auto it = counts.find(t.id);
    list.push_back(TopicItem(t, it == counts.end() ? 0 : it->second, root));
  }
  return list;
}

}  // namespace

base::Result<std::string> HomePage(const Theme& theme, const SiteSnapshot& site) {
  text::TemplateData releases = List();
  std::size_t n = 0;
  for (const ReleasePage* p : VisibleReleases(site)) {
    if (n++ == kHomeReleases) break;
    releases.push_back(ReleaseListItem(*p, ""));
  }
  text::TemplateData data;
  data.set("releases", releases);
  data.set("has_releases", n > 0);
  text::TemplateData topics = TopicList(site, "");
  data.set("has_topics", topics.is_non_empty_list());
  data.set("topics", topics);
  return theme.RenderPage(site, "home", "首页", "", "home", std::move(data));
}

base::Result<std::string> ReleasePageHtml(const Theme& theme, const SiteSnapshot& site,
                                          const ReleasePage& page) {
  const std::string title =
      (page.release.status == feeds::ReleaseStatus::kRepealed ? "【已废止】" : "") +
      page.release.title;
  return theme.RenderPage(site, "release", title, kSubdirRoot, "",
                          ReleasePageData(page, site.topics, kSubdirRoot));
}

base::Result<std::string> TopicsIndexPage(const Theme& theme, const SiteSnapshot& site) {
  text::TemplateData data;
  text::TemplateData topics = TopicList(site, kSubdirRoot);
  data.set("has_topics", topics.is_non_empty_list());
  data.set("topics", topics);
  return theme.RenderPage(site, "topics", "专题", kSubdirRoot, "topics", std::move(data));
}

base::Result<std::string> TopicPage(const Theme& theme, const SiteSnapshot& site,
                                    const Topic& topic) {
  text::TemplateData data;
  text::TemplateData releases = List();
  std::size_t count = 0;
  for (const ReleasePage* p : VisibleReleases(site)) {
    if (!HasTopic(p->release, topic.id)) continue;
    releases.push_back(ReleaseListItem(*p, kSubdirRoot));
    ++count;
  }
  data.set("topic", TopicItem(topic, count, kSubdirRoot));
  data.set("has_releases", count > 0);
  data.set("releases", releases);
  const std::string title = topic.title.empty() ? topic.id : topic.title;
  return theme.RenderPage(site, "topic", title + " - 专题", kSubdirRoot, "topics", std::move(data));
}

base::Result<std::string> GonePage(const Theme& theme, const SiteSnapshot& site) {
  return theme.RenderPage(site, "gone", "该政策文件已撤回", kSubdirRoot, "", text::TemplateData());
}

}  // namespace zhanqun::localization
