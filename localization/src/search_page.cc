#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "pages.h"
#include "text_util.h"
#include "view_model.h"
#include "zhanqun/net/http.h"

namespace zhanqun::localization {
namespace {

// Page links shown on either side of the current page.
constexpr int kPageWindow = 4;

text::TemplateData List() { return text::TemplateData::List(); }

const char* SortName(SearchSort s) { return s == SearchSort::kDate ? "date" : "relevance"; }

// "search?q=...&..." for the same query and filters at another page/query.
std::string SearchUrl(const SearchPageModel& m, const std::string& query, int page) {
  std::vector<std::pair<std::string, std::string>> params = {{"q", query}};
  const SearchFilters& f = m.filters;
  if (!f.topic.empty()) params.emplace_back("topic", f.topic);
  if (!f.authority.empty()) params.emplace_back("authority", f.authority);
  if (f.level) params.emplace_back("level", feeds::NodeLevelName(*f.level));
  if (!f.date_from.empty()) params.emplace_back("from", f.date_from);
  if (!f.date_to.empty()) params.emplace_back("to", f.date_to);
  if (m.sort != SearchSort::kRelevance) params.emplace_back("sort", SortName(m.sort));
  if (page > 1) params.emplace_back("page", std::to_string(page));
  std::string url = "search";
  for (std::size_t i = 0; i < params.size(); ++i) {
    url += (i == 0 ? "?" : "&") + params[i].first + "=" + net::UrlEncode(params[i].second);
  }
  return url;
}

text::TemplateData Option(const std::string& value, const std::string& label, bool selected) {
  text::TemplateData o;
  o.set("value", value);
  o.set("label", label);
  o.set("selected", selected);
  return o;
}

text::TemplateData TopicOptions(const SiteSnapshot& site, const SearchFilters& f) {
  text::TemplateData list = List();
  list.push_back(Option("", "全部专题", f.topic.empty()));
  for (const Topic& t : AllTopics(site)) {
    list.push_back(Option(t.id, t.title.empty() ? t.id : t.title, t.id == f.topic));
  }
  return list;
}

text::TemplateData LevelOptions(const SearchFilters& f) {
  text::TemplateData list = List();
  list.push_back(Option("", "全部层级", !f.level));
  for (int i = 0; i <= 3; ++i) {
    const auto level = static_cast<feeds::NodeLevel>(i);
    list.push_back(Option(feeds::NodeLevelName(level), LevelLabel(level), f.level == level));
  }
  return list;
}

text::TemplateData SortOptions(const SearchPageModel& m) {
  text::TemplateData list = List();
  list.push_back(Option("relevance", "按相关度", m.sort == SearchSort::kRelevance));
  list.push_back(Option("date", "按发布日期", m.sort == SearchSort::kDate));
  return list;
}

text::TemplateData HitData(const SearchPageHit& h) {
  text::TemplateData d;
  d.set("url", ReleaseUrl(h.id));
  // Snippets come from our own index, but are still reduced to text + <mark>.
  d.set("title_html", MarkedTextToHtml(h.title_html));
  d.set("snippet_html", MarkedTextToHtml(h.snippet_html));
  d.set("doc_number", h.doc_number);
  d.set("has_doc_number", !h.doc_number.empty());
  d.set("authority", h.authority);
  d.set("published", ChineseDate(h.published_ms));
  d.set("published_iso", IsoDate(h.published_ms));
  return d;
}

void AddPagination(const SearchPageModel& m, text::TemplateData* data) {
  const std::uint64_t size = static_cast<std::uint64_t>(std::max(1, m.page_size));
  const int pages = static_cast<int>(std::min<std::uint64_t>((m.total + size - 1) / size, 10000));
  const int page = std::clamp(m.page, 1, std::max(1, pages));
  text::TemplateData links = List();
  for (int p = std::max(1, page - kPageWindow); p <= std::min(pages, page + kPageWindow); ++p) {
    text::TemplateData l;
    l.set("number", std::to_string(p));
    l.set("url", SearchUrl(m, m.query, p));
    l.set("current", p == page);
    links.push_back(l);
  }
  data->set("has_pages", pages > 1);
  data->set("pages", links);
  data->set("has_prev", page > 1);
  data->set("prev_url", SearchUrl(m, m.query, page - 1));
  data->set("has_next", page < pages);
  data->set("next_url", SearchUrl(m, m.query, page + 1));
  const std::uint64_t first = static_cast<std::uint64_t>(page - 1) * size + 1;
  data->set("range_from", std::to_string(first));
  data->set("range_to", std::to_string(std::min(m.total, first + m.hits.size() - 1)));
}

}  // namespace

base::Result<std::string> SearchPage(const Theme& theme, const SiteSnapshot& site,
                                     const SearchPageModel& m) {
  text::TemplateData data;
  data.set("query", m.query);
  data.set("has_query", !m.query.empty());
  data.set("topic_options", TopicOptions(site, m.filters));
  data.set("level_options", LevelOptions(m.filters));
  data.set("sort_options", SortOptions(m));
  data.set("authority", m.filters.authority);
  data.set("date_from", m.filters.date_from);
  data.set("date_to", m.filters.date_to);
  const SearchFilters& f = m.filters;
  data.set("has_filters", !f.topic.empty() || !f.authority.empty() || f.level.has_value() ||
                              !f.date_from.empty() || !f.date_to.empty() ||
                              m.sort != SearchSort::kRelevance);
  data.set("total", std::to_string(m.total));
  text::TemplateData hits = List();
  for (const SearchPageHit& h : m.hits) hits.push_back(HitData(h));
  data.set("has_hits", !m.hits.empty());
  data.set("hits", hits);
  data.set("no_results", !m.query.empty() && m.hits.empty());
  data.set("has_suggestion", m.did_you_mean.has_value() && !m.did_you_mean->empty());
  data.set("suggestion", m.did_you_mean.value_or(""));
  data.set("suggestion_url", SearchUrl(m, m.did_you_mean.value_or(""), 1));
  AddPagination(m, &data);
  const std::string title = m.query.empty() ? "搜索" : "“" + m.query + "”的搜索结果";
  return theme.RenderPage(site, "search", title, "", "search", std::move(data));
}

}  // namespace zhanqun::localization
