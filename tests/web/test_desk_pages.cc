// Helpers of the desk pages and the desk API's JSON (web/src/desk_pages.h,
// desk/desk_json.h). The pages themselves run in integration_desk.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "desk_pages.h"
#include "zhanqun/base/time.h"
#include "zhanqun/desk/desk_json.h"

namespace zhanqun::web {
namespace {

using json = nlohmann::json;

std::string Render(const std::string& tmpl, const json& j) {
  base::Result<std::string> out = text::RenderTemplate("t", tmpl, JsonToData(j));
  REQUIRE(out.ok());
  return *out;
}

TEST_CASE("desk page data leaves out empty strings so sections are false", "[hub][web][desk]") {
  json j = {{"error", ""},
            {"title", "国务院<通知>"},
            {"n", 3},
            {"flag", true},
            {"items", json::array({{{"a", "x"}}, {{"a", "y"}}})},
            {"gone", nullptr}};
  CHECK(Render("{{#error}}E{{/error}}{{^error}}none{{/error}}", j) == "none");
  CHECK(Render("{{title}}", j) == "国务院&lt;通知&gt;");
  CHECK(Render("{{n}}{{#flag}}!{{/flag}}", j) == "3!");
  CHECK(Render("{{#items}}{{a}}{{/items}}", j) == "xy");
  CHECK(Render("{{#gone}}G{{/gone}}", j).empty());
}

TEST_CASE("desk pages show and read times in Beijing time", "[hub][web][desk]") {
  base::Result<base::TimeMs> t = ParseLocalTime("2019-02-15T16:00");
  REQUIRE(t.ok());
  CHECK(base::FormatTime(*t) == "2019-02-15T08:00:00.000Z");
  CHECK(LocalTime(*t) == "2019-02-15 16:00");
  CHECK(LocalTime(0) == "—");
  CHECK(ParseLocalTime("2019-02-15T16:00:30").ok());
  base::Result<base::TimeMs> bad = ParseLocalTime("tomorrow");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("'tomorrow'") != std::string::npos);
}

TEST_CASE("desk notices exist for every redirect code and not for others", "[hub][web][desk]") {
  for (const char* code : {"created", "saved", "submitted", "passed", "rejected", "approved",
                           "published", "scheduled", "unscheduled", "embargo", "attached",
                           "amended", "withdrawn", "repealed", "topic", "user", "revoked"}) {
    INFO(code);
    CHECK_FALSE(FlashMessage(code).empty());
  }
  CHECK(FlashMessage("<script>").empty());
}

TEST_CASE("desk API content JSON takes one body format and refuses unknown fields",
          "[hub][desk][json]") {
  base::Result<desk::DraftContent> md = desk::DraftContentFromJson(
      json{{"title", "t"}, {"authority", "a"}, {"body_markdown", "## 一\n\n正文"}}, {});
  REQUIRE(md.ok());
  CHECK(md->body_markdown == "## 一\n\n正文");
  base::Result<desk::DraftContent> text =
      desk::DraftContentFromJson(json{{"title", "t"}, {"body_text", "第一段\n第二段"}}, {});
  REQUIRE(text.ok());
  CHECK(text->body_html == "<p>第一段</p><p>第二段</p>");
  base::Result<desk::DraftContent> two =
      desk::DraftContentFromJson(json{{"body_text", "x"}, {"body_html", "<p>y</p>"}}, {});
  CHECK(two.status().message().find("one of body_html") != std::string::npos);
  base::Result<desk::DraftContent> typo = desk::DraftContentFromJson(json{{"tilte", "x"}}, {});
  CHECK(typo.status().message() == "draft.tilte: unknown field");
  base::Result<desk::DraftContent> wrong = desk::DraftContentFromJson(json{{"topics", "教育"}}, {});
  CHECK(wrong.status().message() == "draft.topics: expected an array of strings");
  CHECK(desk::DraftContentFromJson(json{{"revision", 2}}, {"revision"}).ok());
}

}  // namespace
}  // namespace zhanqun::web
