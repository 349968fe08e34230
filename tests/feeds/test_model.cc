#include <catch2/catch.hpp>
#include <string>

#include "zhanqun/feeds/model.h"
#include "zhanqun/text/sanitize.h"

namespace zq = zhanqun::feeds;

namespace {

zq::Release ValidRelease() {
  zq::Release r;
  r.id = "gov.cn/zhengce/2019-02/15/content_5365924";
  r.version = 1;
  r.title = "国务院关于印发《2019年政府工作报告》的通知";
  r.doc_number = "国发〔2019〕8号";
  r.authority = "国务院";
  r.signed_date = "2019-02-15";
  r.published_ms = 1550217600000;
  r.topics = {"财政", "金融"};
  r.categories = {"通知"};
  r.body_html = "<p>各省、自治区、直辖市人民政府：</p>";
  r.attachments.push_back(
      {"https://www.gov.cn/files/a.pdf", "附件", "application/pdf", std::string(64, 'a'), 1024});
  return r;
}

zq::Node ValidNode() {
  zq::Node n;
  n.code = "330000";
  n.name = "浙江省";
  n.level = zq::NodeLevel::kProvince;
  n.parent = zq::kHubCode;
  return n;
}

std::string RepeatUtf8(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("release status names round-trip and unknown names are rejected", "[model]") {
  for (auto s : {zq::ReleaseStatus::kActive, zq::ReleaseStatus::kAmended,
                 zq::ReleaseStatus::kWithdrawn, zq::ReleaseStatus::kRepealed}) {
    auto parsed = zq::ParseReleaseStatus(zq::ReleaseStatusName(s));
    REQUIRE(parsed.ok());
    CHECK(*parsed == s);
  }
  auto bad = zq::ParseReleaseStatus("Active");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("'Active'") != std::string::npos);
}

TEST_CASE("a complete release validates", "[model]") {
  CHECK(zq::ValidateRelease(ValidRelease()).ok());
  zq::Release minimal = ValidRelease();
  minimal.doc_number.clear();
  minimal.signed_date.clear();
  minimal.topics.clear();
  minimal.attachments.clear();
  minimal.body_html.clear();
  CHECK(zq::ValidateRelease(minimal).ok());
}

TEST_CASE("release validation names the field and rule it breaks", "[model]") {
  struct Case {
    const char* what;
    void (*mutate)(zq::Release&);
    const char* expected_prefix;
  };
  const Case cases[] = {
      {"empty id", [](zq::Release& r) { r.id.clear(); }, "release.id:"},
      {"id with space", [](zq::Release& r) { r.id = "a b"; }, "release.id:"},
      {"id too long", [](zq::Release& r) { r.id = std::string(129, 'a'); }, "release.id:"},
      {"version 0", [](zq::Release& r) { r.version = 0; }, "release.version: must be >= 1"},
      {"no title", [](zq::Release& r) { r.title.clear(); },
       "release.title: required, 1..500 characters, got 0"},
      {"no authority", [](zq::Release& r) { r.authority.clear(); }, "release.authority:"},
      {"bad date", [](zq::Release& r) { r.signed_date = "2019-02-29"; }, "release.signed_date:"},
      {"date format", [](zq::Release& r) { r.signed_date = "2019/02/01"; }, "release.signed_date:"},
      {"not published", [](zq::Release& r) { r.published_ms = 0; }, "release.published_ms:"},
      {"empty topic", [](zq::Release& r) { r.topics.push_back(""); }, "release.topics[2]:"},
      {"long category", [](zq::Release& r) { r.categories = {std::string(65, 'x')}; },
       "release.categories[0]:"},
      {"too many topics", [](zq::Release& r) { r.topics.assign(33, "t"); },
       "release.topics: at most 32, got 33"},
      {"ftp attachment", [](zq::Release& r) { r.attachments[0].href = "ftp://x/y"; },
       "release.attachments[0].href:"},
      {"upper hex", [](zq::Release& r) { r.attachments[0].sha256_hex = std::string(64, 'A'); },
       "release.attachments[0].sha256_hex:"},
      {"bad media type", [](zq::Release& r) { r.attachments[0].media_type = "pdf"; },
       "release.attachments[0].media_type:"},
      {"control char", [](zq::Release& r) { r.title = "a\x01"; }, "release.title:"},
      {"invalid utf8", [](zq::Release& r) { r.body_html = "\xff\xfe"; }, "release.body_html:"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    zq::Release r = ValidRelease();
    c.mutate(r);
    zhanqun::base::Status s = zq::ValidateRelease(r);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == zhanqun::base::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith(c.expected_prefix));
  }
}

TEST_CASE("an oversize release body is reported with its size and the limit", "[model]") {
  zq::Release r = ValidRelease();
  r.body_html = std::string(3 * 1024 * 1024, 'x');
  zhanqun::base::Status s = zq::ValidateRelease(r);
  CHECK(s.message() == "release.body_html: 3145728 bytes exceeds the limit of 2097152");
}

TEST_CASE("release titles are limited in characters, not bytes", "[model]") {
  zq::Release r = ValidRelease();
  r.title = RepeatUtf8("政", 500);
  CHECK(zq::ValidateRelease(r).ok());
  r.title = RepeatUtf8("政", 501);
  CHECK(zq::ValidateRelease(r).message() == "release.title: required, 1..500 characters, got 501");
}

TEST_CASE("signed dates must exist in the calendar", "[model]") {
  zq::Release r = ValidRelease();
  r.signed_date = "2020-02-29";
  CHECK(zq::ValidateRelease(r).ok());
  r.signed_date = "2019-13-01";
  CHECK_FALSE(zq::ValidateRelease(r).ok());
}

TEST_CASE("node levels and division codes", "[model]") {
  for (auto l : {zq::NodeLevel::kNational, zq::NodeLevel::kProvince, zq::NodeLevel::kCity,
                 zq::NodeLevel::kCounty}) {
    auto parsed = zq::ParseNodeLevel(zq::NodeLevelName(l));
    REQUIRE(parsed.ok());
    CHECK(*parsed == l);
  }
  CHECK_FALSE(zq::ParseNodeLevel("village").ok());
  CHECK(zq::IsDivisionCode("330000"));
  CHECK_FALSE(zq::IsDivisionCode("33000"));
  CHECK_FALSE(zq::IsDivisionCode("33000a"));
  CHECK_FALSE(zq::IsDivisionCode("3300000"));
  CHECK(std::string(zq::EntryKindName(zq::EntryKind::kRelease)) == "release");
  CHECK(std::string(zq::EntryKindName(zq::EntryKind::kNode)) == "node");
  CHECK(std::string(zq::EntryKindName(zq::EntryKind::kInterpretation)) == "interpretation");
  CHECK(std::string(zq::EntryKindName(zq::EntryKind::kTopic)) == "topic");
}

TEST_CASE("node validation names the field it rejects", "[model]") {
  CHECK(zq::ValidateNode(ValidNode()).ok());
  zq::Node hub = ValidNode();
  hub.code = zq::kHubCode;
  hub.parent.clear();
  hub.level = zq::NodeLevel::kNational;
  CHECK(zq::ValidateNode(hub).ok());

  zq::Node n = ValidNode();
  n.code = "33";
  CHECK_THAT(zq::ValidateNode(n).message(), Catch::StartsWith("node.code:"));
  n = ValidNode();
  n.name.clear();
  CHECK_THAT(zq::ValidateNode(n).message(), Catch::StartsWith("node.name:"));
  n = ValidNode();
  n.parent.clear();
  CHECK_THAT(zq::ValidateNode(n).message(), Catch::StartsWith("node.parent:"));
  hub.parent = "330000";
  CHECK_THAT(zq::ValidateNode(hub).message(), Catch::StartsWith("node.parent:"));
  n = ValidNode();
  n.keys.resize(2);  // two identical (all-zero) keys share an id
  CHECK_THAT(zq::ValidateNode(n).message(), Catch::StartsWith("node.keys[1]: duplicate"));
}

TEST_CASE("key ids print as minisign does, as a little-endian number", "[model]") {
  zq::PublicKey k;
  k.key_id = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
  CHECK(k.KeyIdHex() == "EFCDAB8967452301");
  k.key_id = {0x0A, 0, 0, 0, 0, 0, 0, 0};
  CHECK(k.KeyIdHex() == "000000000000000A");
}

namespace {

zq::Interpretation ValidInterpretation() {
  zq::Interpretation i;
  i.release_id = "gov.cn/zhengce/2019-02/15/content_5365924";
  i.release_version = 1;
  i.mode = zq::InterpretationMode::kExtend;
  i.source = "template";
  i.title = "西湖区关于《2019年政府工作报告》的解读";
  i.body_html = "<p>本区企业可在区政务服务中心办理。</p>";
  return i;
}

zq::TopicDef ValidTopic() { return {"营商环境", "优化营商环境", "各地优化营商环境的政策。"}; }

}  // namespace

TEST_CASE("interpretation modes round-trip and unknown modes are named", "[model]") {
  for (auto m : {zq::InterpretationMode::kExtend, zq::InterpretationMode::kReplace}) {
    auto parsed = zq::ParseInterpretationMode(zq::InterpretationModeName(m));
    REQUIRE(parsed.ok());
    CHECK(*parsed == m);
  }
  CHECK(std::string(zq::InterpretationModeName(zq::InterpretationMode::kExtend)) == "extend");
  CHECK(std::string(zq::InterpretationModeName(zq::InterpretationMode::kReplace)) == "replace");
  auto bad = zq::ParseInterpretationMode("Replace");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == zhanqun::base::Code::kInvalidArgument);
  CHECK(bad.status().message() == "interpretation mode: expected extend or replace, got 'Replace'");
}

TEST_CASE("a complete interpretation validates", "[model]") {
  CHECK(zq::ValidateInterpretation(ValidInterpretation()).ok());
  zq::Interpretation manual = ValidInterpretation();
  manual.source = "manual";
  manual.mode = zq::InterpretationMode::kReplace;
  manual.body_html.clear();
  manual.title = RepeatUtf8("解", 500);
  CHECK(zq::ValidateInterpretation(manual).ok());
}

TEST_CASE("interpretation validation names the field and rule it breaks", "[model]") {
  struct Case {
    const char* what;
    void (*mutate)(zq::Interpretation&);
    const char* expected;
  };
  const Case cases[] = {
      {"empty release id", [](zq::Interpretation& i) { i.release_id.clear(); },
       "interpretation.release_id: expected [A-Za-z0-9._:/-]{1,128}, got ''"},
      {"release id with CJK", [](zq::Interpretation& i) { i.release_id = "国发2019"; },
       "interpretation.release_id: expected"},
      {"long release id", [](zq::Interpretation& i) { i.release_id = std::string(129, 'a'); },
       "interpretation.release_id: expected"},
      {"version 0", [](zq::Interpretation& i) { i.release_version = 0; },
       "interpretation.release_version: must be >= 1, got 0"},
      {"unknown source", [](zq::Interpretation& i) { i.source = "Template"; },
       "interpretation.source: expected template or manual, got 'Template'"},
      {"empty source", [](zq::Interpretation& i) { i.source.clear(); },
       "interpretation.source: expected template or manual, got ''"},
      {"no title", [](zq::Interpretation& i) { i.title.clear(); },
       "interpretation.title: required, 1..500 characters, got 0"},
      {"long title", [](zq::Interpretation& i) { i.title = RepeatUtf8("解", 501); },
       "interpretation.title: required, 1..500 characters, got 501"},
      {"invalid utf8 title", [](zq::Interpretation& i) { i.title = "\xe8\xa7"; },
       "interpretation.title: invalid UTF-8"},
      {"oversize body", [](zq::Interpretation& i) { i.body_html.assign(3 * 1024 * 1024, 'x'); },
       "interpretation.body_html: 3145728 bytes exceeds the limit of 2097152"},
      {"control char in body", [](zq::Interpretation& i) { i.body_html = "<p>\x02</p>"; },
       "interpretation.body_html: invalid UTF-8 or disallowed control character at byte 3"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    zq::Interpretation i = ValidInterpretation();
    c.mutate(i);
    zhanqun::base::Status s = zq::ValidateInterpretation(i);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == zhanqun::base::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith(c.expected));
  }
}

TEST_CASE("topic ids allow CJK and ASCII labels up to 64 characters", "[model]") {
  zq::TopicDef t = ValidTopic();
  CHECK(zq::ValidateTopic(t).ok());
  for (const std::string& id : {std::string("tax-2019_v1.0"), std::string("财政·金融"),
                                RepeatUtf8("政", 64), std::string(64, 'a'), std::string("a")}) {
    INFO(id);
    t.id = id;
    CHECK(zq::ValidateTopic(t).ok());
  }
  t.id = RepeatUtf8("政", 65);
  CHECK(zq::ValidateTopic(t).message() == "topic.id: required, 1..64 characters, got 65");
  t.description.clear();
  t.id = "营商环境";
  CHECK(zq::ValidateTopic(t).ok());
}

TEST_CASE("topic validation names the field and rule it breaks", "[model]") {
  struct Case {
    const char* what;
    std::string id;
    const char* expected;
  };
  const std::string forbidden =
      "topic.id: whitespace, control characters and / ? # % \\ are not allowed, got ";
  const Case ids[] = {
      {"empty", "", "topic.id: required, 1..64 characters, got 0"},
      {"space", "营商 环境", "topic.id: whitespace"},
      {"ideographic space", "营商\u3000环境", "topic.id: whitespace"},
      {"no-break space", "a\u00a0b", "topic.id: whitespace"},
      {"tab", "a\tb", "topic.id: whitespace"},
      {"newline", "a\n", "topic.id: whitespace"},
      {"slash", "a/b", "topic.id: whitespace"},
      {"question mark", "a?b", "topic.id: whitespace"},
      {"hash", "a#b", "topic.id: whitespace"},
      {"percent", "a%20b", "topic.id: whitespace"},
      {"backslash", "a\\b", "topic.id: whitespace"},
      {"DEL", "a\x7f", "topic.id: whitespace"},
      {"C1 control", "a\u0085", "topic.id: whitespace"},
      {"C0 control", "a\x01", "topic.id: invalid UTF-8 or disallowed control character"},
      {"invalid utf8", "\xff", "topic.id: invalid UTF-8"},
  };
  for (const Case& c : ids) {
    INFO(c.what);
    zq::TopicDef t = ValidTopic();
    t.id = c.id;
    zhanqun::base::Status s = zq::ValidateTopic(t);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == zhanqun::base::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith(c.expected));
  }
  zq::TopicDef t = ValidTopic();
  t.id = "营商/环境";
  CHECK(zq::ValidateTopic(t).message() == forbidden + "'营商/环境' (byte 6)");

  t = ValidTopic();
  t.title.clear();
  CHECK(zq::ValidateTopic(t).message() == "topic.title: required, 1..200 characters, got 0");
  t.title = RepeatUtf8("题", 201);
  CHECK(zq::ValidateTopic(t).message() == "topic.title: required, 1..200 characters, got 201");
  t = ValidTopic();
  t.description = RepeatUtf8("述", 2000);
  CHECK(zq::ValidateTopic(t).ok());
  t.description += "述";
  CHECK(zq::ValidateTopic(t).message() == "topic.description: at most 2000 characters, got 2001");
}

TEST_CASE("a body the sanitizer repaired (invalid UTF-8, controls) passes release validation",
          "[model][sanitize]") {
  std::string out = zhanqun::text::SanitizeHtml("<p>a\xff\x01b&#1;</p>");
  zq::Release r;
  r.id = "x";
  r.title = "t";
  r.authority = "a";
  r.published_ms = 1;
  r.body_html = out;
  CHECK(zq::ValidateRelease(r).ok());
}
