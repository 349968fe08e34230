// Tests of the agent's Localizer on a real AgentStore and a real publish
// directory: what a refresh interprets, which files it writes, and that it
// touches only what changed.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "feeds/key_support.h"
#include "signed_origin.h"
#include "test_support.h"
#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/localizer.h"
#include "zhanqun/localization/site.h"

namespace zhanqun::agent {
namespace {

using base::Result;
using base::Status;
using feeds::SignedEntry;
using test_util::kT0;
using test_util::NewKey;
using test_util::Origin;
using testing::ReadText;
using testing::TempDir;

constexpr const char* kCounty = "330106";
const char* const kTopics[] = {"教育", "交通", "卫生"};

// A county whose store holds the hub's log (registry and releases) and the
// province's, with a Localizer writing into its own site directory. The
// registry chain is whole: 330000 (under the hub) -> 杭州市 330100 -> the
// county, unless a test registers the county under `county_parent`; 宁波市
// 330200 is registered too, a city that is not the county's ancestor.
struct SiteFixture {
  TempDir dir;
  Origin hub{feeds::kHubCode};
  Origin province{"330000"};
  Origin city{"330100"};
  Origin other_city{"330200"};
  std::unique_ptr<feeds::SecretKey> county_key = NewKey();
  std::unique_ptr<AgentStore> store;
  std::unique_ptr<Localizer> localizer;
  std::vector<feeds::Release> releases;  // as last published, by index

  explicit SiteFixture(const std::string& county_parent = "330100") {
    Result<std::unique_ptr<AgentStore>> s = AgentStore::Open(dir.File("agent.db"));
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    store = std::move(s).value();
    Append({hub.Node(feeds::kHubCode, hub.key().public_key(), "", feeds::NodeLevel::kNational),
            hub.Node("330000", province.key().public_key(), feeds::kHubCode,
                     feeds::NodeLevel::kProvince),
            hub.Node("330100", city.key().public_key(), "330000", feeds::NodeLevel::kCity),
            hub.Node("330200", other_city.key().public_key(), "330000", feeds::NodeLevel::kCity)});
    MoveCounty(county_parent);
    OpenLocalizer();
  }

  // The hub's node entry for the county with `parent`: its registration,
  // and each later move.
  void MoveCounty(const std::string& parent) {
    Append({hub.Node(kCounty, county_key->public_key(), parent, feeds::NodeLevel::kCounty)});
  }

  void OpenLocalizer() {
    localization::NodeProfile profile;
    profile.code = kCounty;
    profile.name = "西湖区";
    profile.level = feeds::NodeLevel::kCounty;
    LocalizerOptions options{std::string(ZQ_LOCALIZATION_DIR) + "/templates/interpretation",
                             std::string(ZQ_LOCALIZATION_DIR) + "/theme/default", "",
                             dir.File("site"), "https://xihu.example.gov.cn/"};
    Result<std::unique_ptr<Localizer>> l =
        Localizer::Open(options, profile, *store, [this](feeds::Entry e) {
          e.log.origin = kCounty;
          e.updated_ms = kT0;
          return store->AppendOwn(
              kCounty,
              [&](const feeds::ChainHead& head) { return feeds::SignEntry(e, head, *county_key); },
              kT0);
        });
    INFO(l.status().ToString());
    REQUIRE(l.ok());
    localizer = std::move(l).value();
  }

  void Append(const std::vector<SignedEntry>& entries) {
    Status s = store->AppendVerified(entries, kT0);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }

  // Publishes release `i` (new, or the next version of an earlier one).
  void Publish(feeds::Release r) {
    Append({hub.Release(r)});
    releases.push_back(std::move(r));
  }

  feeds::Release NewRelease(int i) {
    feeds::Release r;
    r.id = "gov.cn/test/" + std::to_string(i);
    r.title = "关于第" + std::to_string(i) + "号实施方案的通知";
    r.authority = "国务院办公厅";
    r.published_ms = 1550217600000 + i * 60000;
    r.topics = {kTopics[i % 3]};
    r.body_html = "<p>第" + std::to_string(i) + "号方案正文。</p>";
    return r;
  }

  std::size_t Refresh() {
    Result<std::size_t> written = localizer->Refresh();
    INFO(written.status().ToString());
    REQUIRE(written.ok());
    return *written;
  }

  std::string Site(const std::string& rel) const { return dir.File("site/" + rel); }
  std::string ReleaseFile(int i) const {
    return Site(localization::ReleasePath("gov.cn/test/" + std::to_string(i)));
  }
  std::string TopicFile(const std::string& id) const { return Site(localization::TopicPath(id)); }

  // Every file of the site by path, with its inode: a page written again is
  // a new file renamed over the old one, so a new inode.
  std::map<std::string, ino_t> Inodes() const {
    std::map<std::string, ino_t> out;
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir.File("site"))) {
      if (!f.is_regular_file()) continue;
      struct stat st {};
      REQUIRE(::stat(f.path().c_str(), &st) == 0);
      out[f.path().string()] = st.st_ino;
    }
    return out;
  }
};

TEST_CASE("localizer: a refresh rewrites only what changed", "[agent][localizer]") {
  SiteFixture f;
  for (int i = 0; i < 12; ++i) f.Publish(f.NewRelease(i));
  REQUIRE(f.Refresh() == 12);  // a template layer for each release
  for (int i = 0; i < 12; ++i) {
    std::string page = ReadText(f.ReleaseFile(i));
    INFO(i);
    CHECK(page.find("第" + std::to_string(i) + "号方案正文") != std::string::npos);
    CHECK(page.find("西湖区") != std::string::npos);
  }
  REQUIRE(f.Refresh() == 0);  // nothing new: nothing written
  const std::map<std::string, ino_t> before = f.Inodes();
  CHECK(f.Inodes() == before);

  // A new release in 教育; release 1 amended from 交通 to a new topic 环保;
  // the province's layer for release 5.
  f.Publish(f.NewRelease(12));
  feeds::Release amended = f.NewRelease(1);
  amended.version = 2;
  amended.status = feeds::ReleaseStatus::kAmended;
  amended.topics = {"环保"};
  f.Publish(amended);
  feeds::Interpretation layer;
  layer.release_id = "gov.cn/test/5";
  layer.title = "浙江省关于第5号实施方案的政策解读";
  layer.body_html = "<p>浙江省的解读：第五号方案在本省的落实要点。</p>";
  f.Append({f.province.Interpretation(layer)});
  REQUIRE(f.Refresh() == 2);  // release 12, and release 1's version 2

  const std::map<std::string, ino_t> after = f.Inodes();
  auto rewritten = [&](const std::string& path) {
    REQUIRE(after.count(path) == 1);
    return before.count(path) == 0 || before.at(path) != after.at(path);
  };
  for (int i : {0, 2, 3, 4, 6, 7, 8, 9, 10, 11}) {
    INFO("release " << i << " did not change");
    CHECK_FALSE(rewritten(f.ReleaseFile(i)));
  }
  CHECK(rewritten(f.ReleaseFile(12)));
  CHECK(rewritten(f.ReleaseFile(1)));
  CHECK(ReadText(f.ReleaseFile(1)).find("第2版") != std::string::npos);
  CHECK(rewritten(f.ReleaseFile(5)));
  CHECK(ReadText(f.ReleaseFile(5)).find("第五号方案在本省的落实要点") != std::string::npos);
  // Topic pages: 教育 gained release 12, 交通 lost release 1, 环保 is new; 卫生
  // (releases 2, 5, 8, 11) lists nothing that changed, so it is not rewritten.
  CHECK(rewritten(f.TopicFile("教育")));
  CHECK(ReadText(f.TopicFile("教育")).find(f.releases[12].title) != std::string::npos);
  CHECK(rewritten(f.TopicFile("交通")));
  CHECK(ReadText(f.TopicFile("交通")).find(f.releases[1].title) == std::string::npos);
  CHECK(ReadText(f.TopicFile("交通")).find(f.releases[4].title) != std::string::npos);
  CHECK(ReadText(f.TopicFile("环保")).find(f.releases[1].title) != std::string::npos);
  CHECK_FALSE(rewritten(f.TopicFile("卫生")));
  CHECK(ReadText(f.Site("index.html")).find(f.releases[12].title) != std::string::npos);
  CHECK(ReadText(f.Site("sitemap.xml")).find(localization::ReleaseUrl("gov.cn/test/12")) !=
        std::string::npos);
  // A layer alone changes no list: home, feed and sitemap stay as they are.
  const std::map<std::string, ino_t> lists = f.Inodes();
  layer.body_html = "<p>浙江省的解读（修订）。</p>";
  f.Append({f.province.Interpretation(layer)});
  REQUIRE(f.Refresh() == 0);
  CHECK(f.Inodes().at(f.ReleaseFile(5)) != lists.at(f.ReleaseFile(5)));
  CHECK(ReadText(f.ReleaseFile(5)).find("浙江省的解读（修订）") != std::string::npos);
  for (const char* page : {"index.html", "feed.xml", "sitemap.xml", "topics/index.html"}) {
    INFO(page);
    CHECK(f.Inodes().at(f.Site(page)) == lists.at(f.Site(page)));
  }

  SECTION("withdrawing the last release of a topic deletes its page and the topic's") {
    feeds::Release withdrawn = amended;
    withdrawn.version = 3;
    withdrawn.status = feeds::ReleaseStatus::kWithdrawn;
    f.Publish(withdrawn);
    REQUIRE(f.Refresh() == 0);
    CHECK_FALSE(std::filesystem::exists(f.ReleaseFile(1)));
    CHECK_FALSE(std::filesystem::exists(f.TopicFile("环保")));
    CHECK(ReadText(f.Site("index.html")).find(amended.title) == std::string::npos);
    CHECK(ReadText(f.Site("topics/index.html")).find("环保") == std::string::npos);
    CHECK(std::filesystem::exists(f.ReleaseFile(0)));
  }

  SECTION("after dropping its caches, a refresh renders the same pages") {
    const std::string page_before = ReadText(f.ReleaseFile(5));
    f.localizer->ReleaseMemory();
    layer.body_html = "<p>浙江省的解读（第三稿）。</p>";
    f.Append({f.province.Interpretation(layer)});
    REQUIRE(f.Refresh() == 0);
    const std::string page = ReadText(f.ReleaseFile(5));
    CHECK(page.find("浙江省的解读（第三稿）") != std::string::npos);
    CHECK(page.find("第5号方案正文") != std::string::npos);
    std::string expected = page_before;
    const std::string old_text = "浙江省的解读（修订）";
    REQUIRE(expected.find(old_text) != std::string::npos);
    expected.replace(expected.find(old_text), old_text.size(), "浙江省的解读（第三稿）");
    CHECK(page == expected);  // nothing else on the page changed
  }

  SECTION("a restarted localizer renders everything and deletes what an earlier run left") {
    const std::string stray = f.Site("releases/stray.html");
    testing::WriteText(stray, "<p>left by an earlier run</p>");
    testing::WriteText(f.Site("topics/stray.html"), "<p>left by an earlier run</p>");
    std::filesystem::remove(f.ReleaseFile(7));
    f.OpenLocalizer();
    REQUIRE(f.Refresh() == 0);  // every release already has our layer
    CHECK_FALSE(std::filesystem::exists(stray));
    CHECK_FALSE(std::filesystem::exists(f.Site("topics/stray.html")));
    CHECK(ReadText(f.ReleaseFile(7)).find("第7号方案正文") != std::string::npos);
    const std::map<std::string, ino_t> again = f.Inodes();
    for (const auto& [path, ino] : after) {
      INFO(path);
      CHECK(again.count(path) == 1);
    }
  }
}

// Defence in depth: a store that holds entries their origin may not sign
// (written before the rules, or by a bug that let one through) still shows
// none of them on the site.
TEST_CASE("localizer: the site shows no entry whose origin may not carry it",
          "[agent][localizer][authority][security]") {
  SiteFixture f;
  feeds::Release national = f.NewRelease(0);
  f.Publish(national);
  // The province's release with the national id and another title: the
  // store's views keep the hub's.
  feeds::Release forged = national;
  forged.version = 2;
  forged.title = "关于暂停执行有关政策的紧急通知";
  f.Append({f.province.Release(forged)});
  // A layer from the hub, one from an origin the registry does not list,
  // and a topic from that unlisted origin.
  Origin unlisted("330300");
  feeds::Interpretation layer;
  layer.release_id = national.id;
  layer.title = "伪造的解读";
  layer.body_html = "<p>不应出现的解读</p>";
  f.Append({f.hub.Interpretation(layer)});
  layer.body_html = "<p>未登记节点的解读</p>";
  f.Append({unlisted.Interpretation(layer)});
  feeds::Entry topic = unlisted.Base(feeds::EntryKind::kTopic);
  topic.topic = feeds::TopicDef{"宁波港", "未登记节点的专题", ""};
  f.Append({unlisted.SignAt(topic, unlisted.head())});
  // The province's honest layer is shown, at the level the registry gives it.
  layer.body_html = "<p>浙江省的解读要点</p>";
  f.Append({f.province.Interpretation(layer)});

  f.Refresh();
  std::string page = ReadText(f.ReleaseFile(0));
  CHECK(page.find(national.title) != std::string::npos);
  CHECK(page.find("紧急通知") == std::string::npos);
  CHECK(page.find("不应出现的解读") == std::string::npos);
  CHECK(page.find("未登记节点的解读") == std::string::npos);
  CHECK(page.find("浙江省的解读要点") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.TopicFile("宁波港")));
}

TEST_CASE("localizer: a page shows the county's own layer and its ancestors', no one else's",
          "[agent][localizer][registry]") {
  SiteFixture f;
  feeds::Release r = f.NewRelease(0);
  f.Publish(r);
  f.Append({f.province.Layer(r.id, "浙江省的解读要点")});
  f.Append({f.city.Layer(r.id, "杭州市的解读要点")});
  f.Append({f.other_city.Layer(r.id, "宁波市的解读要点")});  // registered, not an ancestor
  REQUIRE(f.Refresh() == 1);
  const std::string page = ReadText(f.ReleaseFile(0));
  CHECK(page.find("浙江省的解读要点") != std::string::npos);
  CHECK(page.find("杭州市的解读要点") != std::string::npos);
  CHECK(page.find("宁波市的解读要点") == std::string::npos);
  CHECK(page.find("西湖区") != std::string::npos);  // our own template layer
}

TEST_CASE("localizer: after the county is moved, every page is rendered with its new ancestors",
          "[agent][localizer][registry]") {
  SiteFixture f("330200");  // registered under the wrong city
  for (int i = 0; i < 4; ++i) f.Publish(f.NewRelease(i));
  f.Append({f.other_city.Layer(f.releases[0].id, "宁波市的解读要点")});
  f.Append({f.city.Layer(f.releases[1].id, "杭州市的解读要点")});
  f.Append({f.province.Layer(f.releases[2].id, "浙江省的解读要点")});
  f.Append({f.other_city.Topic("宁波港")});
  REQUIRE(f.Refresh() == 4);
  CHECK(std::filesystem::exists(f.TopicFile("宁波港")));
  CHECK(ReadText(f.ReleaseFile(0)).find("宁波市的解读要点") != std::string::npos);
  CHECK(ReadText(f.ReleaseFile(1)).find("杭州市的解读要点") == std::string::npos);
  CHECK(ReadText(f.ReleaseFile(2)).find("浙江省的解读要点") != std::string::npos);
  REQUIRE(f.Refresh() == 0);
  const std::map<std::string, ino_t> before = f.Inodes();

  // The hub's node entry moving the county changes no release, yet every
  // page is written again: whose layers it shows changed.
  f.MoveCounty("330100");
  REQUIRE(f.Refresh() == 0);
  const std::map<std::string, ino_t> after = f.Inodes();
  for (int i = 0; i < 4; ++i) {
    INFO("release " << i);
    REQUIRE(after.count(f.ReleaseFile(i)) == 1);
    CHECK(after.at(f.ReleaseFile(i)) != before.at(f.ReleaseFile(i)));
  }
  CHECK(ReadText(f.ReleaseFile(0)).find("宁波市的解读要点") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.TopicFile("宁波港")));  // the former city's topic too
  CHECK(ReadText(f.ReleaseFile(1)).find("杭州市的解读要点") != std::string::npos);
  CHECK(ReadText(f.ReleaseFile(2)).find("浙江省的解读要点") != std::string::npos);
  for (int i = 0; i < 4; ++i) {
    CHECK(ReadText(f.ReleaseFile(i)).find("第" + std::to_string(i) + "号方案正文") !=
          std::string::npos);
  }
  // Once rendered for the new ancestors, nothing is written again.
  REQUIRE(f.Refresh() == 0);
  CHECK(f.Inodes() == after);
}

TEST_CASE("localizer: search and 410 pages work before the first refresh", "[agent][localizer]") {
  SiteFixture f;
  localization::SearchPageModel model;
  model.query = "方案";
  Result<std::string> page = f.localizer->SearchPage(model);
  INFO(page.status().ToString());
  REQUIRE(page.ok());
  CHECK(page->find("西湖区") != std::string::npos);
}

}  // namespace
}  // namespace zhanqun::agent
