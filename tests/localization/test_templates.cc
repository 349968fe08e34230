#include <catch2/catch.hpp>

#include "site_fixture.h"
#include "test_support.h"
#include "zhanqun/localization/interpretation.h"

namespace zl = zhanqun::localization;
using zhanqun::base::Code;
using zhanqun::feeds::Release;
using zhanqun::testing::InterpretationDir;
using zhanqun::testing::MakeRelease;
using zhanqun::testing::TempDir;
using zhanqun::testing::WriteText;
using zhanqun::testing::XihuProfile;

namespace {

zl::InterpretationTemplates Shipped() {
  auto t = zl::InterpretationTemplates::Load(InterpretationDir());
  REQUIRE(t.ok());
  return std::move(t).value();
}

Release WithTopics(std::vector<std::string> topics) {
  Release r = MakeRelease("govcn:000014349/2019-00005",
                          "国务院关于印发国家职业教育改革实施方案的通知", zhanqun::testing::kFeb13);
  r.topics = std::move(topics);
  return r;
}

bool Contains(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("the template of the first release topic that has one is chosen",
          "[localization][templates]") {
  const zl::InterpretationTemplates t = Shipped();
  CHECK(t.Select(WithTopics({"教育"})) == "教育");
  CHECK(t.Select(WithTopics({"科技", "教育"})) == "教育");
  CHECK(t.Select(WithTopics({"营商环境", "教育"})) == "营商环境");
  CHECK(t.Select(WithTopics({"科技"})) == "default");
  CHECK(t.Select(WithTopics({})) == "default");
}

TEST_CASE("rendered interpretations use the chosen template", "[localization][templates]") {
  const zl::InterpretationTemplates t = Shipped();
  auto edu = t.Render(WithTopics({"教育"}), XihuProfile());
  REQUIRE(edu.ok());
  CHECK(Contains(*edu, "教育领域"));
  auto fallback = t.Render(WithTopics({"科技"}), XihuProfile());
  REQUIRE(fallback.ok());
  CHECK(Contains(*fallback, "本政策在西湖区的落实"));
  CHECK_FALSE(Contains(*fallback, "教育领域"));
}

TEST_CASE("interpretations are filled from the release and the node profile",
          "[localization][templates]") {
  auto html = Shipped().Render(WithTopics({}), XihuProfile());
  REQUIRE(html.ok());
  CHECK(Contains(*html, "《国务院关于印发国家职业教育改革实施方案的通知》"));
  CHECK(Contains(*html, "国发〔2019〕4号"));
  CHECK(Contains(*html, "2019年2月13日"));
  CHECK(Contains(*html, "<strong>12345</strong>"));
  CHECK(Contains(*html, "西湖区教育局，地址：杭州市西湖区文三路100号，电话：0571-00000001"));
  CHECK(Contains(*html, "<a href=\"https://xihu.example.gov.cn/service\">西湖区政务服务网</a>"));
  CHECK(Contains(*html, "各省、自治区、直辖市人民政府"));  // the summary
}

TEST_CASE("the release summary is cut to about 120 characters", "[localization][templates]") {
  Release r = WithTopics({});
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "政";
  r.body_html = "<p>" + long_text + "</p>";
  auto t = zl::InterpretationTemplates::FromStrings({{"default", "{{release.summary}}"}});
  REQUIRE(t.ok());
  auto html = t->Render(r, XihuProfile());
  REQUIRE(html.ok());
  CHECK(*html == long_text.substr(0, 120 * 3) + "…");  // 3 bytes per character
}

TEST_CASE("the summary joins Chinese lines without spaces", "[localization][templates]") {
  Release r = WithTopics({});
  r.body_html = "<p>国务院关于印发\n国家职业教育</p><p>改革实施方案</p><p>in  plain\nEnglish</p>";
  auto t = zl::InterpretationTemplates::FromStrings({{"default", "{{release.summary}}"}});
  REQUIRE(t.ok());
  auto html = t->Render(r, XihuProfile());
  REQUIRE(html.ok());
  CHECK(*html == "国务院关于印发国家职业教育改革实施方案in plain English");
}

TEST_CASE("interpretation output is sanitized even when the template tries script",
          "[localization][templates][security]") {
  auto t = zl::InterpretationTemplates::FromStrings(
      {{"default",
        "<p>{{node.name}}</p><script>alert(1)</script><img src=x onerror=alert(1)>"
        "<a href=\"javascript:alert(1)\">x</a><p>{{{release.title}}}</p>"}});
  REQUIRE(t.ok());
  zl::NodeProfile node = XihuProfile();
  node.name = "<script>alert(2)</script>";
  Release r = WithTopics({});
  r.title = "<img src=x onerror=alert(3)>";
  auto html = t->Render(r, node);
  REQUIRE(html.ok());
  CHECK_FALSE(Contains(*html, "<script"));
  CHECK_FALSE(Contains(*html, "onerror"));
  CHECK_FALSE(Contains(*html, "javascript:"));
  CHECK(Contains(*html, "&lt;script&gt;alert(2)"));  // data is escaped, not dropped
}

TEST_CASE("loading templates reports what is wrong", "[localization][templates]") {
  SECTION("missing directory") {
    auto t = zl::InterpretationTemplates::Load("/nonexistent/templates");
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == Code::kNotFound);
  }
  SECTION("no default template") {
    TempDir dir;
    WriteText(dir.File("教育.mustache"), "<p>x</p>");
    auto t = zl::InterpretationTemplates::Load(dir.path());
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == Code::kNotFound);
    CHECK(Contains(t.status().message(), "default.mustache"));
  }
  SECTION("a template that does not parse is named") {
    TempDir dir;
    WriteText(dir.File("default.mustache"), "<p>x</p>");
    WriteText(dir.File("教育.mustache"), "{{#node.has_hotline}}unclosed");
    auto t = zl::InterpretationTemplates::Load(dir.path());
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == Code::kInvalidArgument);
    CHECK(Contains(t.status().message(), "教育.mustache"));
  }
  SECTION("files that are not templates are ignored") {
    TempDir dir;
    WriteText(dir.File("default.mustache"), "<p>{{node.name}}</p>");
    WriteText(dir.File("README.txt"), "{{#broken");
    auto t = zl::InterpretationTemplates::Load(dir.path());
    REQUIRE(t.ok());
    CHECK(t->Select(WithTopics({"README"})) == "default");
  }
}
