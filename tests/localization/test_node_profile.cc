#include <catch2/catch.hpp>

#include "zhanqun/localization/node_profile.h"
#include "zhanqun/localization/site.h"

namespace zl = zhanqun::localization;
using zhanqun::base::Code;
using zhanqun::feeds::NodeLevel;

TEST_CASE("a complete node profile parses with its departments and services",
          "[localization][profile]") {
  auto p = zl::ParseNodeProfile(R"({
    "code": "330106", "name": "西湖区", "level": "county",
    "site_title": "杭州市西湖区人民政府", "hotline": "12345",
    "departments": [{"name": "西湖区教育局", "address": "文三路100号", "phone": "0571-1"},
                    {"name": "西湖区人社局"}],
    "services": [{"title": "政务服务网", "url": "https://zwfw.example.gov.cn/"},
                 {"title": "本站办事", "url": "/banshi/"}]})");
  REQUIRE(p.ok());
  CHECK(p->code == "330106");
  CHECK(p->level == NodeLevel::kCounty);
  CHECK(p->hotline == "12345");
  REQUIRE(p->departments.size() == 2);
  CHECK(p->departments[1].name == "西湖区人社局");
  CHECK(p->departments[1].address.empty());
  REQUIRE(p->services.size() == 2);
  CHECK(p->services[1].url == "/banshi/");
}

TEST_CASE("site_title defaults to the node name", "[localization][profile]") {
  auto p = zl::ParseNodeProfile(R"({"code": "330000", "name": "浙江省", "level": "province"})");
  REQUIRE(p.ok());
  CHECK(p->site_title == "浙江省");
  CHECK(p->departments.empty());
}

TEST_CASE("node profile errors name the offending field", "[localization][profile]") {
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"({"name": "西湖区", "level": "county"})", "code"},
      {R"({"code": "33010", "name": "西湖区", "level": "county"})", "code"},
      {R"({"code": "330106", "level": "county"})", "name"},
      {R"({"code": "330106", "name": "西湖区", "level": "town"})", "level"},
      {R"({"code": "330106", "name": "西湖区", "level": "county", "hotline": 12345})", "hotline"},
      {R"({"code": "330106", "name": "x", "level": "county", "departments": [{"name": "a"}, {"phone": "1"}]})",
       "departments[1].name"},
      {R"j({"code": "330106", "name": "x", "level": "county", "services": [{"title": "a", "url": "javascript:alert(1)"}]})j",
       "services[0].url"},
      {R"({"code": "330106", "name": "x", "level": "county", "services": {}})", "services"},
  };
  for (const Case& c : cases) {
    auto p = zl::ParseNodeProfile(c.json);
    INFO(c.json);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kInvalidArgument);
    CHECK(p.status().message().rfind(c.field, 0) == 0);
  }
}

TEST_CASE("a node profile that is not JSON is rejected", "[localization][profile]") {
  auto p = zl::ParseNodeProfile("{not json");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().message().find("JSON") != std::string::npos);
}

TEST_CASE("level labels are the Chinese administrative levels", "[localization][profile]") {
  CHECK(std::string(zl::LevelLabel(NodeLevel::kNational)) == "国家级");
  CHECK(std::string(zl::LevelLabel(NodeLevel::kProvince)) == "省级");
  CHECK(std::string(zl::LevelLabel(NodeLevel::kCity)) == "市级");
  CHECK(std::string(zl::LevelLabel(NodeLevel::kCounty)) == "县级");
}

TEST_CASE("release ids map to safe file names and back", "[localization][paths]") {
  const std::string id = "govcn:000014349/2019-00007";
  CHECK(zl::SafeFileName(id) == "govcn%3A000014349%2F2019-00007");
  CHECK(zl::ReleasePath(id) == "releases/govcn%3A000014349%2F2019-00007.html");
  CHECK(zl::ReleaseUrl(id) == "releases/govcn%253A000014349%252F2019-00007.html");
  CHECK(zl::SafeFileName("教育") == "%E6%95%99%E8%82%B2");
  CHECK(zl::SafeFileName("..") == "%2E%2E");
  CHECK(zl::SafeFileName("a%b") == "a%25b");
  CHECK(zl::FromSafeFileName("govcn%3A000014349%2F2019-00007") == id);
  CHECK(zl::FromSafeFileName("%2E%2E") == "..");
  CHECK_FALSE(zl::FromSafeFileName("a%2").has_value());
  CHECK_FALSE(zl::FromSafeFileName("a%3a").has_value());  // lowercase is never produced
  CHECK_FALSE(zl::FromSafeFileName("%41").has_value());   // 'A' is never encoded
  CHECK(zl::ReleaseIdFromPath("/releases/govcn%3A000014349%2F2019-00007.html") == id);
  CHECK_FALSE(zl::ReleaseIdFromPath("topics/x.html").has_value());
  CHECK_FALSE(zl::ReleaseIdFromPath("releases/.html").has_value());
}
