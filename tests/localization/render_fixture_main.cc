// Renders a sample county site (西湖区) from the State Council fixture into a
// directory, for the browser accessibility test and for looking at the theme:
//   localization_render_fixture <out-dir> [theme-dir]
// The first ten documents get made-up province, city and county layers; one
// is amended to version 2 and one is repealed.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "localization/xihu_profile.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/localization/interpretation.h"
#include "zhanqun/localization/site_renderer.h"
#include "zhanqun/text/sanitize.h"

namespace zf = zhanqun::feeds;
namespace zl = zhanqun::localization;

namespace {

constexpr int kDocs = 10;

// The tests' 西湖区 with a fuller contact list, so every page part shows.
zl::NodeProfile County() {
  zl::NodeProfile n = zhanqun::testing::XihuProfile();
  n.departments[1].phone = "0571-87000002";
  n.services.push_back({"西湖区企业开办一件事", "/banshi/qiye.html"});
  return n;
}

zl::NodeProfile Upper(const char* code, const char* name, zf::NodeLevel level) {
  zl::NodeProfile n = County();
  n.code = code;
  n.name = name;
  n.level = level;
  n.departments = {{std::string(name) + "人民政府办公厅", "", "12345"}};
  n.services = {{std::string(name) + "政务服务网", "https://www.zjzwfw.gov.cn/"}};
  return n;
}

// Topic ids for the fixture documents, so topic pages have content.
std::vector<std::string> TopicsFor(const std::string& title) {
  std::vector<std::string> t;
  if (title.find("教育") != std::string::npos || title.find("幼儿园") != std::string::npos)
    t.push_back("教育");
  if (title.find("市场") != std::string::npos || title.find("企业") != std::string::npos ||
      title.find("创新") != std::string::npos || title.find("开放") != std::string::npos) {
    t.push_back("营商环境");
  }
  if (title.find("医") != std::string::npos || title.find("药") != std::string::npos)
    t.push_back("医疗卫生");
  return t;
}

zf::Release FromJson(const nlohmann::json& d) {
  zf::Release r;
  r.id = d.at("id").get<std::string>();
  r.title = d.at("title").get<std::string>();
  r.doc_number = d.value("doc_number", "");
  r.authority = d.at("authority").get<std::string>();
  r.signed_date = d.value("date", "");
  auto t = zhanqun::base::ParseTime(d.at("pub_date").get<std::string>() + "T09:00:00+08:00");
  r.published_ms = t.ok() ? *t : 0;
  r.body_html = zhanqun::text::TextToHtml(d.value("body", ""));
  r.categories = {d.value("category", "")};
  r.topics = TopicsFor(r.title);
  return r;
}

int Fail(const std::string& what) {
  std::cerr << "localization_render_fixture: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Fail("usage: localization_render_fixture <out-dir> [theme-dir]");
  const std::string data = ZQ_LOCALIZATION_DIR;
  const std::string theme = argc > 2 ? argv[2] : data + "/theme/default";
  auto templates = zl::InterpretationTemplates::Load(data + "/templates/interpretation");
  if (!templates.ok()) return Fail(templates.status().ToString());

  zl::SiteSnapshot site;
  site.node = County();
  site.base_url = "http://127.0.0.1/";
  site.topics = {{"教育", "教育", "教育改革与发展相关政策文件及解读。", false},
                 {"营商环境", "优化营商环境", "“放管服”改革、市场监管与企业服务相关政策。", false},
                 {"西湖民生", "西湖民生", "西湖区自行设立的民生专题。", true}};
  const zl::NodeProfile province = Upper("330000", "浙江省", zf::NodeLevel::kProvince);
  const zl::NodeProfile city = Upper("330100", "杭州市", zf::NodeLevel::kCity);

  std::ifstream in(std::string(ZQ_FIXTURES_DIR) + "/govcn_state_council_2019.jsonl");
  std::string line;
  for (int i = 0; i < kDocs && std::getline(in, line); ++i) {
    zl::ReleasePage page{FromJson(nlohmann::json::parse(line)), {}, ""};
    if (i == 0) page.release.topics.push_back("西湖民生");
    for (const zl::NodeProfile* n :
         std::vector<const zl::NodeProfile*>{&province, &city, &site.node}) {
      auto body = templates->Render(page.release, *n);
      if (!body.ok()) return Fail(body.status().ToString());
      page.layers.push_back({n->level, n->code, n->name, *body, 1, n != &city || i % 2 == 0});
    }
    if (i == 1) {  // amended after the layers were written
      page.release.version = 2;
      page.release.status = zf::ReleaseStatus::kAmended;
    }
    if (i == 3) page.release.status = zf::ReleaseStatus::kRepealed;
    site.releases.push_back(std::move(page));
  }
  if (site.releases.empty()) return Fail("no documents read from the fixture");

  zl::SiteRenderer renderer(theme, "", argv[1]);
  zhanqun::base::Status s = renderer.RenderAll(site);
  if (!s.ok()) return Fail(s.ToString());
  // The agent serves these two itself; save them so the browser test can check them.
  zl::SearchPageModel search;
  search.query = "职业教育";
  search.total = 1;
  search.hits.push_back(
      {site.releases[2].release.id, "国务院关于印发国家<mark>职业教育</mark>改革实施方案的通知",
       "…完善<mark>职业教育</mark>和培训体系…", site.releases[2].release.doc_number,
       site.releases[2].release.authority, site.releases[2].release.published_ms});
  auto search_html = renderer.RenderSearchPage(site, search);
  auto gone_html = renderer.RenderGonePage(site, "govcn:withdrawn");
  if (!search_html.ok() || !gone_html.ok()) return Fail("search or gone page failed");
  std::ofstream(std::string(argv[1]) + "/search.html") << *search_html;
  std::ofstream(std::string(argv[1]) + "/releases/gone.html") << *gone_html;
  std::cout << argv[1] << "\n";
  return 0;
}
