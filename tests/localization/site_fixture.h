// A small site for the localization tests: a county (西湖区) whose releases
// carry province, city and county interpretation layers, plus helpers to
// read everything the renderer wrote.
#ifndef ZHANQUN_TESTS_LOCALIZATION_SITE_FIXTURE_H_
#define ZHANQUN_TESTS_LOCALIZATION_SITE_FIXTURE_H_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "localization/xihu_profile.h"
#include "test_support.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/localization/node_profile.h"
#include "zhanqun/localization/site.h"

namespace zhanqun::testing {

inline std::string ThemeDir() { return std::string(ZQ_LOCALIZATION_DIR) + "/theme/default"; }
inline std::string InterpretationDir() {
  return std::string(ZQ_LOCALIZATION_DIR) + "/templates/interpretation";
}

// 2019-02-13 10:00 Beijing time.
inline constexpr base::TimeMs kFeb13 = 1550023200000;
inline constexpr base::TimeMs kDayMs = 86400000;

inline feeds::Release MakeRelease(const std::string& id, const std::string& title,
                                  base::TimeMs published) {
  feeds::Release r;
  r.id = id;
  r.title = title;
  r.doc_number = "国发〔2019〕4号";
  r.authority = "国务院";
  r.signed_date = "2019-02-13";
  r.published_ms = published;
  r.body_html = "<p>各省、自治区、直辖市人民政府：</p><p>" + title + "的正文。</p>";
  return r;
}

inline localization::InterpretationLayer Layer(feeds::NodeLevel level, const std::string& code,
                                               const std::string& name, int version,
                                               bool verified) {
  return {level, code, name, "<p>" + name + "的解读正文。</p>", version, verified};
}

// Releases: 职业教育 (active, three layers given out of order), 融资担保
// (amended to v2, layers written for v1), 旧办法 (repealed), 撤回文件
// (withdrawn).
inline localization::SiteSnapshot SampleSite() {
  using feeds::NodeLevel;
  localization::SiteSnapshot site;
  site.node = XihuProfile();
  site.base_url = "https://xihu.example.gov.cn/";
  site.topics = {{"教育", "教育", "教育领域政策", false},
                 {"本地民生", "西湖民生", "西湖区自定的民生专题", true}};

  localization::ReleasePage edu{MakeRelease("govcn:000014349/2019-00005",
                                            "国务院关于印发国家职业教育改革实施方案的通知", kFeb13),
                                {Layer(NodeLevel::kCounty, "330106", "西湖区", 1, true),
                                 Layer(NodeLevel::kProvince, "330000", "浙江省", 1, true),
                                 Layer(NodeLevel::kCity, "330100", "杭州市", 1, false)},
                                ""};
  edu.release.topics = {"教育", "本地民生"};

  localization::ReleasePage amended{
      MakeRelease("govcn:000014349/2019-00006", "关于有效发挥政府性融资担保基金作用的指导意见",
                  kFeb13 - kDayMs),
      {Layer(NodeLevel::kProvince, "330000", "浙江省", 1, true)},
      ""};
  amended.release.version = 2;
  amended.release.status = feeds::ReleaseStatus::kAmended;
  amended.release.topics = {"营商环境"};

  localization::ReleasePage repealed{
      MakeRelease("govcn:000014349/2018-00001", "关于某项旧办法的通知", kFeb13 - 30 * kDayMs),
      {},
      ""};
  repealed.release.status = feeds::ReleaseStatus::kRepealed;
  repealed.release.topics = {"教育"};

  localization::ReleasePage withdrawn{
      MakeRelease("govcn:000014349/2019-00099", "已撤回的测试文件", kFeb13 + kDayMs),
      {Layer(NodeLevel::kCounty, "330106", "西湖区", 1, true)},
      ""};
  withdrawn.release.status = feeds::ReleaseStatus::kWithdrawn;
  withdrawn.release.topics = {"撤回专题"};

  site.releases = {edu, amended, repealed, withdrawn};
  return site;
}

// Every regular file under `dir`, keyed by path relative to it.
inline std::map<std::string, std::string> ReadTree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    files[std::filesystem::relative(e.path(), dir).string()] = ReadText(e.path().string());
  }
  return files;
}

inline std::size_t CountOf(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = haystack.find(needle); p != std::string::npos;
       p = haystack.find(needle, p + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace zhanqun::testing

#endif  // ZHANQUN_TESTS_LOCALIZATION_SITE_FIXTURE_H_
