#include <catch2/catch.hpp>

#include "site_fixture.h"
#include "test_support.h"
#include "zhanqun/localization/site_renderer.h"

namespace zl = zhanqun::localization;
using zhanqun::testing::SampleSite;
using zhanqun::testing::TempDir;
using zhanqun::testing::ThemeDir;

namespace {

bool Contains(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

std::string Render(const zl::SearchPageModel& m) {
  TempDir out;
  zl::SiteRenderer renderer(ThemeDir(), "", out.path());
  auto html = renderer.RenderSearchPage(SampleSite(), m);
  INFO(html.status().ToString());
  REQUIRE(html.ok());
  return *html;
}

zl::SearchPageModel EduResults() {
  zl::SearchPageModel m;
  m.query = "职业教育";
  m.total = 25;
  m.page = 2;
  m.page_size = 10;
  m.hits.push_back({"govcn:000014349/2019-00005",
                    "国务院关于印发国家<mark>职业教育</mark>改革实施方案的通知",
                    "…发展<mark>职业教育</mark> &amp; 培训…", "国发〔2019〕4号", "国务院",
                    zhanqun::testing::kFeb13});
  return m;
}

}  // namespace

TEST_CASE("the search page shows hits with their highlights and links", "[localization][search]") {
  const std::string html = Render(EduResults());
  CHECK(Contains(html, "value=\"职业教育\""));
  CHECK(Contains(html, "国家<mark>职业教育</mark>改革"));
  CHECK(Contains(html, "发展<mark>职业教育</mark> &amp; 培训"));
  CHECK(Contains(html, "href=\"" + zl::ReleaseUrl("govcn:000014349/2019-00005") + "\""));
  CHECK(Contains(html, "共找到 25 条结果，当前显示第 11–11 条"));
  CHECK(Contains(html, "2019年2月13日"));
}

TEST_CASE("search pagination keeps the query and filters", "[localization][search]") {
  zl::SearchPageModel m = EduResults();
  m.filters.topic = "教育";
  m.filters.level = zhanqun::feeds::NodeLevel::kCounty;
  m.sort = zl::SearchSort::kDate;
  const std::string html = Render(m);
  const std::string q = "q=%E8%81%8C%E4%B8%9A%E6%95%99%E8%82%B2";
  CHECK(Contains(
      html, "href=\"search?" + q +
                "&amp;topic=%E6%95%99%E8%82%B2&amp;level=county&amp;sort=date\" rel=\"prev\""));
  CHECK(Contains(html, "&amp;page=3\" rel=\"next\""));
  CHECK(Contains(html, "aria-label=\"第2页\" aria-current=\"page\""));
  CHECK(Contains(html, "<option value=\"county\" selected>县级</option>"));
  CHECK(Contains(html, "<option value=\"date\" selected>按发布日期</option>"));
  CHECK(Contains(html, "<details class=\"filters\" open>"));
}

TEST_CASE("every search form control has a label", "[localization][search][a11y]") {
  const std::string html = Render(EduResults());
  for (const char* id : {"search-q", "search-topic", "search-authority", "search-level",
                         "search-from", "search-to", "search-sort"}) {
    INFO(id);
    CHECK(Contains(html, std::string("<label for=\"") + id + "\">"));
    CHECK(Contains(html, std::string("id=\"") + id + "\""));
  }
}

TEST_CASE("an empty result says so and offers the suggestion", "[localization][search]") {
  zl::SearchPageModel m;
  m.query = "职业教肓";
  m.did_you_mean = "职业教育";
  const std::string html = Render(m);
  CHECK(Contains(html, "未找到与“职业教肓”相关的政策文件"));
  CHECK(Contains(
      html,
      "您是不是要找：<a href=\"search?q=%E8%81%8C%E4%B8%9A%E6%95%99%E8%82%B2\">职业教育</a>"));
  CHECK_FALSE(Contains(html, "class=\"pagination\""));
}

TEST_CASE("snippet markup other than mark is escaped", "[localization][search][security]") {
  zl::SearchPageModel m = EduResults();
  m.hits[0].snippet_html = "<mark><b onclick=x>粗</b></mark></mark><mark>未闭合 & 号";
  m.hits[0].title_html = "<script>alert(1)</script>";
  const std::string html = Render(m);
  CHECK(Contains(html, "<mark>&lt;b onclick=x&gt;粗&lt;/b&gt;</mark><mark>未闭合 &amp; 号</mark>"));
  CHECK(Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_FALSE(Contains(html, "<script"));
}

TEST_CASE("the gone page is a short notice that links home", "[localization][search]") {
  TempDir out;
  zl::SiteRenderer renderer(ThemeDir(), "", out.path());
  auto html = renderer.RenderGonePage(SampleSite(), "govcn:000014349/2019-00099");
  REQUIRE(html.ok());
  CHECK(Contains(*html, "<h1>该政策文件已撤回</h1>"));
  CHECK(Contains(*html, "href=\"../index.html\""));
  CHECK(Contains(*html, "../assets/theme.css"));
  CHECK_FALSE(Contains(*html, "已撤回的测试文件"));
}
