#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "site_files.h"
#include "site_fixture.h"
#include "test_support.h"
#include "text_util.h"
#include "view_model.h"
#include "zhanqun/base/env.h"
#include "zhanqun/localization/site_renderer.h"
#include "zhanqun/text/sanitize.h"

namespace fs = std::filesystem;
namespace zl = zhanqun::localization;
using zhanqun::feeds::ReleaseStatus;
using zhanqun::testing::CountOf;
using zhanqun::testing::ReadText;
using zhanqun::testing::ReadTree;
using zhanqun::testing::SampleSite;
using zhanqun::testing::TempDir;
using zhanqun::testing::ThemeDir;
using zhanqun::testing::WriteText;

namespace {

const std::string kEduId = "govcn:000014349/2019-00005";
const std::string kAmendedId = "govcn:000014349/2019-00006";
const std::string kRepealedId = "govcn:000014349/2018-00001";
const std::string kWithdrawnId = "govcn:000014349/2019-00099";

std::map<std::string, std::string> RenderSite(const zl::SiteSnapshot& site, const std::string& out,
                                              const std::string& overrides = "") {
  zl::SiteRenderer renderer(ThemeDir(), overrides, out);
  const zhanqun::base::Status s = renderer.RenderAll(site);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return ReadTree(out);
}

std::string Page(const std::map<std::string, std::string>& files, const std::string& path) {
  const auto it = files.find(path);
  INFO(path);
  REQUIRE(it != files.end());
  return it->second;
}

bool Contains(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Every markup tag in `html` ("<x ...>"); escaped text ("&lt;") is not a tag.
std::vector<std::string> Tags(const std::string& html) {
  std::vector<std::string> tags;
  for (std::size_t p = html.find('<'); p != std::string::npos; p = html.find('<', p + 1)) {
    const std::size_t end = html.find('>', p);
    if (end == std::string::npos) break;
    tags.push_back(Lower(html.substr(p, end - p + 1)));
  }
  return tags;
}

// The attributes of a lowercased tag, as a browser would split them.
std::vector<std::pair<std::string, std::string>> Attributes(const std::string& tag) {
  std::vector<std::pair<std::string, std::string>> attrs;
  std::size_t i = 1;
  while (i < tag.size() && !std::isspace(static_cast<unsigned char>(tag[i])) && tag[i] != '>') ++i;
  auto skip = [&](const char* set) {
    while (i < tag.size() && std::strchr(set, tag[i]) != nullptr) ++i;
  };
  while (i < tag.size()) {
    skip(" \t\n\r\f/");
    const std::size_t n = i;
    while (i < tag.size() && std::strchr(" \t\n\r\f/=>", tag[i]) == nullptr) ++i;
    if (i == n) break;
    std::string name = tag.substr(n, i - n), value;
    skip(" \t\n\r\f");
    if (i < tag.size() && tag[i] == '=') {
      ++i;
      skip(" \t\n\r\f");
      if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
        const std::size_t close = tag.find(tag[i], i + 1);
        value = tag.substr(i + 1, close - i - 1);
        i = close == std::string::npos ? tag.size() : close + 1;
      } else {
        const std::size_t v = i;
        while (i < tag.size() && std::strchr(" \t\n\r\f>", tag[i]) == nullptr) ++i;
        value = tag.substr(v, i - v);
      }
    }
    attrs.emplace_back(std::move(name), std::move(value));
  }
  return attrs;
}

// Fails if `html` has a tag or attribute that could run script.
void CheckNoScript(const std::string& name, const std::string& html) {
  static const std::regex kBadTag(
      R"(^</?(script|iframe|object|embed|svg|math|style|base|template|noscript)\b)");
  static const std::regex kBadUrl(
      R"(^\s*((javascript|vbscript)\s*(:|&#0*58;|&#x0*3a;|&colon;)|data:))");
  static const std::set<std::string> kUrlAttrs = {"href", "src",    "action",     "formaction",
                                                  "data", "poster", "background", "xlink:href"};
  for (const std::string& tag : Tags(html)) {
    INFO(name << ": " << tag);
    CHECK_FALSE(std::regex_search(tag, kBadTag));
    for (const auto& [attr, value] : Attributes(tag)) {
      CHECK_FALSE(attr.rfind("on", 0) == 0);
      CHECK(attr != "http-equiv");
      CHECK(attr != "style");
      if (kUrlAttrs.count(attr) != 0) CHECK_FALSE(std::regex_search(value, kBadUrl));
    }
  }
}

}  // namespace

TEST_CASE("RenderAll writes the home, release, topic, feed and sitemap files",
          "[localization][site]") {
  TempDir out;
  const auto files = RenderSite(SampleSite(), out.path());
  for (const std::string& path :
       {std::string("index.html"), std::string("topics/index.html"), std::string("feed.xml"),
        std::string("sitemap.xml"), std::string("assets/theme.css"), zl::ReleasePath(kEduId),
        zl::ReleasePath(kAmendedId), zl::ReleasePath(kRepealedId), zl::TopicPath("教育"),
        zl::TopicPath("本地民生"), zl::TopicPath("营商环境")}) {
    INFO(path);
    CHECK(files.count(path) == 1);
  }
  const std::string home = Page(files, "index.html");
  CHECK(Contains(home, "href=\"" + zl::ReleaseUrl(kEduId) + "\""));
  CHECK(Contains(home, "action=\"search\""));
  CHECK(Contains(home, "<label for=\"home-q\">"));
  CHECK(Contains(Page(files, "sitemap.xml"),
                 "https://xihu.example.gov.cn/" + zl::ReleaseUrl(kEduId)));
  CHECK(Contains(Page(files, "feed.xml"), "<feed xmlns=\"http://www.w3.org/2005/Atom\""));
}

TEST_CASE("a release page shows the national text then each layer in level order",
          "[localization][site]") {
  TempDir out;
  const std::string page = Page(RenderSite(SampleSite(), out.path()), zl::ReleasePath(kEduId));
  const std::size_t text = page.find("政策原文");
  const std::size_t province = page.find("浙江省 政策解读（省级）");
  const std::size_t city = page.find("杭州市 政策解读（市级）");
  const std::size_t county = page.find("西湖区 政策解读（县级）");
  REQUIRE(text != std::string::npos);
  REQUIRE(province != std::string::npos);
  REQUIRE(city != std::string::npos);
  REQUIRE(county != std::string::npos);
  CHECK(text < province);
  CHECK(province < city);
  CHECK(city < county);
  CHECK(Contains(page, "浙江省的解读正文"));
  CHECK(CountOf(page, "<section class=\"layer") == 3);
  CHECK(CountOf(page, "已验证签名") == 2);
  CHECK(CountOf(page, "签名未验证") == 1);  // the city layer
  CHECK_FALSE(Contains(page, "政策已修订为"));
  CHECK_FALSE(Contains(page, "已废止"));
}

TEST_CASE("layers written for an earlier version say so", "[localization][site]") {
  TempDir out;
  const std::string page = Page(RenderSite(SampleSite(), out.path()), zl::ReleasePath(kAmendedId));
  CHECK(Contains(page, "本解读针对第1版撰写，政策已修订为第2版"));
  CHECK(Contains(page, "第2版（已修订）"));
}

TEST_CASE("a repealed release stays readable under a clear banner", "[localization][site]") {
  TempDir out;
  const auto files = RenderSite(SampleSite(), out.path());
  const std::string page = Page(files, zl::ReleasePath(kRepealedId));
  CHECK(Contains(page, "<strong>已废止</strong>"));
  CHECK(Contains(page, "<title>【已废止】关于某项旧办法的通知"));
  CHECK(Contains(page, "关于某项旧办法的通知的正文"));
  CHECK(Contains(Page(files, zl::TopicPath("教育")), "tag-repealed"));
}

TEST_CASE("a withdrawn release appears nowhere in the site", "[localization][site]") {
  TempDir out;
  const auto files = RenderSite(SampleSite(), out.path());
  CHECK(files.count(zl::ReleasePath(kWithdrawnId)) == 0);
  CHECK(files.count(zl::TopicPath("撤回专题")) == 0);  // its only release is gone
  for (const auto& [path, content] : files) {
    INFO(path);
    CHECK_FALSE(Contains(content, "已撤回的测试文件"));
    CHECK_FALSE(Contains(content, zl::SafeFileName(kWithdrawnId)));
  }
}

TEST_CASE("the renderer writes the same site into an in-memory Env as onto disk",
          "[localization][site][env]") {
  TempDir out;
  zl::SiteSnapshot site = SampleSite();
  RenderSite(site, out.path());
  std::unique_ptr<zhanqun::base::Env> mem = zhanqun::base::NewMemEnv();
  // Templates come from the real theme directory, pages go to memory: the
  // renderer's file access is all behind the Env it is given.
  for (const std::string& name : {std::string("layout.mustache"), std::string("home.mustache"),
                                  std::string("release.mustache"), std::string("topic.mustache"),
                                  std::string("topics.mustache"), std::string("theme.css")}) {
    REQUIRE(mem->WriteFileAtomic("/theme/" + name, ReadText(ThemeDir() + "/" + name), 0644,
                                 zhanqun::base::Env::Sync::kNone)
                .ok());
  }
  zl::SiteRenderer renderer("/theme", "", "/site", *mem);
  REQUIRE(renderer.RenderAll(site).ok());
  for (const auto& [path, content] : ReadTree(out.path())) {
    INFO(path);
    zhanqun::base::Result<std::string> in_memory = mem->ReadFile("/site/" + path, 1 << 24);
    REQUIRE(in_memory.ok());
    CHECK(*in_memory == content);
  }
  CHECK_FALSE(fs::exists("/site"));
}

TEST_CASE("withdrawing a release removes its page and every link to it", "[localization][site]") {
  TempDir out;
  zl::SiteSnapshot site = SampleSite();
  RenderSite(site, out.path());
  REQUIRE(fs::exists(out.File(zl::ReleasePath(kEduId))));
  site.releases[0].release.status = ReleaseStatus::kWithdrawn;
  zl::SiteRenderer renderer(ThemeDir(), "", out.path());
  REQUIRE(renderer.RenderRelease(site, kEduId).ok());
  CHECK_FALSE(fs::exists(out.File(zl::ReleasePath(kEduId))));
  CHECK(fs::exists(out.File(zl::TopicPath("本地民生"))));  // a defined topic stays
  for (const auto& [path, content] : ReadTree(out.path())) {
    INFO(path);
    CHECK_FALSE(Contains(content, "国家职业教育改革实施方案"));
  }
}

TEST_CASE("RenderRelease adds a new release to its page and the indexes", "[localization][site]") {
  TempDir out;
  zl::SiteSnapshot site = SampleSite();
  RenderSite(site, out.path());
  zl::ReleasePage added{
      zhanqun::testing::MakeRelease("govcn:000014349/2019-00100", "新发布的政策",
                                    zhanqun::testing::kFeb13 + 5 * zhanqun::testing::kDayMs),
      {},
      ""};
  added.release.topics = {"教育"};
  site.releases.push_back(added);
  zl::SiteRenderer renderer(ThemeDir(), "", out.path());
  REQUIRE(renderer.RenderRelease(site, added.release.id).ok());
  CHECK(fs::exists(out.File(zl::ReleasePath(added.release.id))));
  CHECK(Contains(ReadText(out.File("index.html")), "新发布的政策"));
  CHECK(Contains(ReadText(out.File("feed.xml")), "新发布的政策"));
  const std::string topic = ReadText(out.File(zl::TopicPath("教育")));
  CHECK(topic.find("新发布的政策") < topic.find("国家职业教育改革实施方案"));  // newest first
}

TEST_CASE("topic pages list their releases newest first", "[localization][site]") {
  TempDir out;
  const std::string page = Page(RenderSite(SampleSite(), out.path()), zl::TopicPath("教育"));
  const std::size_t newer = page.find("国家职业教育改革实施方案");
  const std::size_t older = page.find("关于某项旧办法的通知");
  REQUIRE(newer != std::string::npos);
  REQUIRE(older != std::string::npos);
  CHECK(newer < older);
  CHECK_FALSE(Contains(page, "融资担保"));
  const std::string index = ReadText(out.File("topics/index.html"));
  CHECK(Contains(index, "西湖民生"));
  CHECK(Contains(index, "本地专题"));
}

TEST_CASE("rendering leaves no temporary files behind", "[localization][site]") {
  TempDir out;
  const auto files = RenderSite(SampleSite(), out.path());
  RenderSite(SampleSite(), out.path());  // replacing existing files too
  for (const auto& e : fs::recursive_directory_iterator(out.path())) {
    INFO(e.path().string());
    CHECK(e.path().filename().string().front() != '.');
    CHECK_FALSE(Contains(e.path().filename().string(), ".tmp"));
    if (e.is_regular_file())
      CHECK((fs::status(e.path()).permissions() & fs::perms::others_read) != fs::perms::none);
  }
}

TEST_CASE("every page has lang zh-CN, one h1, landmarks and the skip link first",
          "[localization][site][a11y]") {
  TempDir out;
  auto files = RenderSite(SampleSite(), out.path());
  zl::SiteRenderer renderer(ThemeDir(), "", out.path());
  auto search = renderer.RenderSearchPage(SampleSite(), zl::SearchPageModel{});
  auto gone = renderer.RenderGonePage(SampleSite(), kWithdrawnId);
  REQUIRE(search.ok());
  REQUIRE(gone.ok());
  files["search"] = *search;
  files["gone"] = *gone;
  std::size_t pages = 0;
  for (const auto& [path, html] : files) {
    if (!path.ends_with(".html") && path != "search" && path != "gone") continue;
    ++pages;
    INFO(path);
    CHECK(Contains(html, "<html lang=\"zh-CN\">"));
    CHECK(CountOf(html, "<h1") == 1);
    CHECK(CountOf(html, "<main") == 1);
    CHECK(Contains(html, "<header"));
    CHECK(Contains(html, "<nav"));
    CHECK(Contains(html, "<footer"));
    const std::size_t body = html.find("<body>");
    const std::size_t first_link = html.find("<a ", body);
    CHECK(html.substr(first_link, 40).find("skip-link") != std::string::npos);
    CHECK(Contains(html, ">跳到主要内容</a>"));
    CHECK_FALSE(Contains(Lower(html), "<script"));
    CHECK_FALSE(Contains(Lower(html), "<table"));  // no layout tables in the theme
  }
  CHECK(pages == 10);
}

TEST_CASE("XSS payloads in any field never reach the site as markup",
          "[localization][site][security]") {
  const std::vector<std::string> corpus = {
      "<script>alert(1)</script>",
      "<ScRiPt src=//evil.example/x.js></sCrIpT>",
      "<img src=x onerror=alert(1)>",
      "<svg onload=alert(1)><circle/></svg>",
      "<a href=\"javascript:alert(1)\">点我</a>",
      "<a href=\"JaVaScRiPt&colon;alert(1)\">x</a>",
      "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
      "<a href=\" javascript:alert(1)\">x</a>",
      "\"><script>alert(1)</script>",
      "'><img src=x onerror=alert(1)>",
      "<iframe src=\"javascript:alert(1)\"></iframe>",
      "<body onload=alert(1)>",
      "<div style=\"background:url(javascript:alert(1))\">x</div>",
      "<scr<script>ipt>alert(1)</scr</script>ipt>",
      "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
      "<details open ontoggle=alert(1)>x</details>",
      "<input autofocus onfocus=alert(1)>",
      "<object data=\"javascript:alert(1)\"></object>",
      "<embed src=\"javascript:alert(1)\">",
      "<style>@import 'javascript:alert(1)';</style>",
      "<!--<script>alert(1)</script>-->",
      "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
      "<template><script>alert(1)</script></template>",
      "<form action=\"javascript:alert(1)\"><button>x</button></form>",
      "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
      "<base href=\"javascript:alert(1)//\">",
      "<img src=\"data:text/html,<script>alert(1)</script>\">",
      "<p onclick=alert(1) onmouseover=\"alert(1)\">x</p>",
      "<img/src=x/onerror=alert(1)>",
      "{{{node.name}}}{{#x}}<script>alert(1)</script>{{/x}}",
  };
  zl::SiteSnapshot site = SampleSite();
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    zl::ReleasePage p{zhanqun::testing::MakeRelease(
                          "xss/" + std::to_string(i), corpus[i],
                          zhanqun::testing::kFeb13 + static_cast<zhanqun::base::TimeMs>(i)),
                      {},
                      ""};
    p.release.body_html = corpus[i];
    p.release.doc_number = corpus[i];
    p.release.authority = corpus[i];
    p.release.topics = {corpus[i]};
    p.layers = {{zhanqun::feeds::NodeLevel::kProvince, "330000", corpus[i], corpus[i], 1, true}};
    site.releases.push_back(p);
    site.topics.push_back({"t" + std::to_string(i), corpus[i], corpus[i], true});
  }
  site.node.name = corpus[0];
  site.node.site_title = corpus[3];
  site.node.hotline = corpus[8];
  TempDir out;
  auto files = RenderSite(site, out.path());
  zl::SiteRenderer renderer(ThemeDir(), "", out.path());
  zl::SearchPageModel search;
  search.query = corpus[8];
  search.filters.authority = corpus[9];
  search.did_you_mean = corpus[4];
  for (const std::string& payload : corpus) {
    search.hits.push_back(
        {"xss/1", payload + "<mark>教育</mark>", "<mark>" + payload, payload, payload, 0});
  }
  auto search_page = renderer.RenderSearchPage(site, search);
  REQUIRE(search_page.ok());
  files["search"] = *search_page;
  for (const auto& [path, content] : files) {
    if (path.ends_with(".css")) continue;
    CheckNoScript(path, content);
  }
}

TEST_CASE("an override directory replaces single theme files", "[localization][site]") {
  TempDir overrides;
  WriteText(overrides.File("home.mustache"), "<h1>{{node.name}}门户（运维定制）</h1>");
  WriteText(overrides.File("theme.css"), "body { color: #000; }\n");
  TempDir out;
  const auto files = RenderSite(SampleSite(), out.path(), overrides.path());
  const std::string home = Page(files, "index.html");
  CHECK(Contains(home, "<h1>西湖区门户（运维定制）</h1>"));
  CHECK(Contains(home, "跳到主要内容"));  // the layout still comes from the theme
  CHECK(Page(files, "assets/theme.css") == "body { color: #000; }\n");
  CHECK(Contains(Page(files, zl::ReleasePath(kEduId)), "政策原文"));
}

TEST_CASE("an operator's edit of a theme file applies at the next render", "[localization][site]") {
  TempDir overrides;
  WriteText(overrides.File("home.mustache"), "<h1>{{node.name}}版本一</h1>");
  TempDir out;
  zl::SiteRenderer renderer(ThemeDir(), overrides.path(), out.path());
  REQUIRE(renderer.RenderAll(SampleSite()).ok());
  CHECK(Contains(ReadText(out.File("index.html")), "版本一"));
  // Edited in place to the same size, right after that render read it.
  WriteText(overrides.File("home.mustache"), "<h1>{{node.name}}版本二</h1>");
  REQUIRE(renderer.RenderAll(SampleSite()).ok());
  CHECK(Contains(ReadText(out.File("index.html")), "版本二"));
  // Removed: the theme's own template again.
  fs::remove(overrides.File("home.mustache"));
  REQUIRE(renderer.RenderAll(SampleSite()).ok());
  CHECK_FALSE(Contains(ReadText(out.File("index.html")), "版本"));
}

TEST_CASE("a cached file is read again when it changes, whatever its size",
          "[localization][site]") {
  TempDir dir;
  const std::string path = dir.File("layout.mustache");
  WriteText(path, "第一版");
  // Files changed within the last second are not kept (their times may not
  // change on the next write), so let it settle to exercise the kept copy.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  zl::SiteFiles files(zhanqun::base::Env::Default());
  auto first = files.ReadCached(path);
  REQUIRE(first.ok());
  CHECK(*first == "第一版");
  auto again = files.ReadCached(path);
  REQUIRE(again.ok());
  CHECK(*again == "第一版");
  WriteText(path, "第二版");  // in place, same size
  auto second = files.ReadCached(path);
  REQUIRE(second.ok());
  CHECK(*second == "第二版");
  WriteText(dir.File("new"), "第三版本");  // replaced by rename, another size
  fs::rename(dir.File("new"), path);
  auto third = files.ReadCached(path);
  REQUIRE(third.ok());
  CHECK(*third == "第三版本");
  fs::remove(path);
  auto gone = files.ReadCached(path);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == zhanqun::base::Code::kNotFound);
}

TEST_CASE("a missing or broken theme template is reported by name", "[localization][site]") {
  TempDir overrides;
  WriteText(overrides.File("release.mustache"), "{{#layers}}never closed");
  TempDir out;
  zl::SiteRenderer broken(ThemeDir(), overrides.path(), out.path());
  const zhanqun::base::Status s = broken.RenderAll(SampleSite());
  REQUIRE_FALSE(s.ok());
  CHECK(Contains(s.message(), "release.mustache"));

  zl::SiteRenderer missing(out.File("no-theme"), "", out.path());
  const zhanqun::base::Status m = missing.RenderAll(SampleSite());
  REQUIRE_FALSE(m.ok());
  CHECK(m.code() == zhanqun::base::Code::kNotFound);
}

TEST_CASE("a release's list summary is the excerpt of its whole body's text", "[site][summary]") {
  namespace zf = zhanqun::feeds;
  namespace zl = zhanqun::localization;
  std::vector<std::string> bodies;
  std::ifstream in(std::string(ZQ_FIXTURES_DIR) + "/govcn_state_council_2019.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    bodies.push_back(zhanqun::text::TextToHtml(nlohmann::json::parse(line).value("body", "")));
  }
  REQUIRE(bodies.size() >= 20);
  const std::string markup(9000, ' ');
  // Markup past the 8 KB a summary first tries, then the text; a short text
  // in long markup; text whose excerpt ends exactly at the prefix's end.
  bodies.push_back("<div>" + markup + "</div><p>" + std::string(300, 'a') + "</p>");
  bodies.push_back("<p>短</p><div>" + markup + "</div><p>后文在八千字节之后。</p>");
  bodies.push_back("<p>" + std::string(8185, 'b') + "</p><p>" + std::string(10, 'c') + "</p>");
  bodies.push_back("<p>" + std::string(100, 'd') + "</p><!-- " + markup + " --><p>ef</p>");
  std::size_t long_bodies = 0;
  for (const std::string& body : bodies) {
    zf::Release r;
    r.body_html = body;
    long_bodies += body.size() > 8192 ? 1 : 0;
    INFO(body.substr(0, 200));
    CHECK(zl::ReleaseSummary(r) == zl::Excerpt(zhanqun::text::HtmlToText(body), zl::kSummaryChars));
  }
  CHECK(long_bodies >= 8);
}

TEST_CASE("long bodies rendered again are the sanitizer's output for their own content",
          "[localization][site][security]") {
  namespace zf = zhanqun::feeds;
  // Long enough to be kept between renders; each pair differs only inside.
  auto body = [](const std::string& word, const std::string& tail) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += word;
    return "<p>" + text + "</p>" + tail;
  };
  const std::vector<std::string> bodies = {
      body("甲", "<script>alert(1)</script>"), body("乙", "<script>alert(1)</script>"),
      body("甲", "<img src=x onerror=alert(2)>"),
      body("甲", "<script>alert(1)</script>"),  // the first again
  };
  zl::SiteSnapshot site = SampleSite();
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      zl::ReleasePage p = site.releases.front();
      p.release.body_html = bodies[i];
      p.layers = {
          {zf::NodeLevel::kProvince, "330000", "浙江省", bodies[(i + 1) % bodies.size()], 1, true}};
      auto data = zl::ReleasePageData(p, site.topics, "");
      INFO("round " << round << " body " << i);
      const std::string release_html = data.Get("body_html").StringValue();
      CHECK(release_html == zhanqun::text::SanitizeHtml(bodies[i]));
      CHECK_FALSE(Contains(release_html, "<script"));
      CHECK_FALSE(Contains(release_html, "onerror"));
      const auto layers = data.Get("layers").Items();
      REQUIRE(layers.size() == 1);
      CHECK(layers[0].Get("body_html").StringValue() ==
            zhanqun::text::SanitizeHtml(bodies[(i + 1) % bodies.size()]));
    }
  }
}
