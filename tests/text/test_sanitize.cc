#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <vector>

#include "zhanqun/text/markdown.h"
#include "zhanqun/text/sanitize.h"

namespace zq = zhanqun::text;

// What a release body may weigh once signed (feeds::kMaxBodyBytes).
constexpr std::size_t kMaxBodyBytes = 2 * 1024 * 1024;

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Every way we know to smuggle script into HTML that a browser would run.
const std::vector<std::string>& XssCorpus() {
  static const std::vector<std::string> corpus = {
      "<script>alert(1)</script>",
      "<SCRIPT SRC=http://evil/x.js></SCRIPT>",
      "<scr<script>ipt>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "<IMG SRC=\"javascript:alert('XSS');\">",
      "<img src=\"jav\tascript:alert(1)\">",
      "<img src=\" &#14;  javascript:alert(1)\">",
      "<a href=\"javascript:alert(1)\">x</a>",
      "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
      "<a href=\"&#106;avascript:alert(1)\">x</a>",
      "<a "
      "href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">x</a>",
      "<a href=\"java&#x09;script:alert(1)\">x</a>",
      "<a href=\"  javascript:alert(1)\">x</a>",
      "<a href=\"vbscript:msgbox(1)\">x</a>",
      "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
      "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
      "<svg onload=alert(1)><circle r=1 /></svg>",
      "<svg><script>alert(1)</script></svg>",
      "<math><mtext><script>alert(1)</script></mtext></math>",
      "<div style=\"width: expression(alert(1))\">x</div>",
      "<style>body{background:url(javascript:alert(1))}</style>",
      "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
      "<iframe src=\"javascript:alert(1)\"></iframe>",
      "<body onload=alert(1)>text</body>",
      "<p onclick=\"alert(1)\" onmouseover='alert(2)'>text</p>",
      "<object data=\"javascript:alert(1)\"></object><embed src=x.swf>",
      "<form action=\"javascript:alert(1)\"><input type=submit></form>",
      "<!--<script>alert(1)</script>-->",
      "<![CDATA[<script>alert(1)</script>]]>",
      "<<script>alert(1);//<</script>",
      "<p><a href=\"http://ok\" onclick=alert(1)>ok</a>",
      "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
      "<base href=\"javascript:alert(1)//\">",
      "<table background=\"javascript:alert(1)\"><tr><td onmouseover=alert(1)>x</td></tr></table>",
      "<template><script>alert(1)</script></template>",
      "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
      "<a href=\"javascript&colon;alert(1)\">x</a>",
      "<img src=`javascript:alert(1)`>",
      "<div/onmouseover='alert(1)'>x</div>",
      "<a href=\"\x01javascript:alert(1)\">x</a>",
  };
  return corpus;
}

}  // namespace

TEST_CASE("the sanitizer neutralizes a corpus of XSS payloads", "[sanitize][security]") {
  REQUIRE(XssCorpus().size() >= 25);
  const std::regex event_attr(R"(\son[a-z]+\s*=)", std::regex::icase);
  for (const std::string& payload : XssCorpus()) {
    INFO(payload);
    std::string out = zq::SanitizeHtml(payload);
    INFO(out);
    std::string lower = Lower(out);
    CHECK(lower.find("<script") == std::string::npos);
    CHECK(lower.find("javascript:") == std::string::npos);
    CHECK(lower.find("vbscript:") == std::string::npos);
    CHECK(lower.find("data:") == std::string::npos);
    CHECK(lower.find("<iframe") == std::string::npos);
    CHECK(lower.find("<svg") == std::string::npos);
    CHECK(lower.find("style=") == std::string::npos);
    CHECK_FALSE(std::regex_search(out, event_attr));
    // Output is stable and always fit to sign.
    CHECK(zq::SanitizeHtml(out) == out);
    CHECK(out.size() <= kMaxBodyBytes);
  }
}

TEST_CASE("benign markup survives sanitizing", "[sanitize]") {
  CHECK(zq::SanitizeHtml("<p>各地区、各部门：</p>") == "<p>各地区、各部门：</p>");
  CHECK(zq::SanitizeHtml("<h2 lang=\"zh-CN\">标题</h2><ul><li><strong>一</strong></li></ul>") ==
        "<h2 lang=\"zh-CN\">标题</h2><ul><li><strong>一</strong></li></ul>");
  CHECK(zq::SanitizeHtml("<a href=\"https://www.gov.cn/a?x=1&amp;y=2\" title=\"t\">链接</a>") ==
        "<a href=\"https://www.gov.cn/a?x=1&amp;y=2\" title=\"t\">链接</a>");
  CHECK(zq::SanitizeHtml("<a href=\"/zhengce/a.htm\">相对</a>") ==
        "<a href=\"/zhengce/a.htm\">相对</a>");
  CHECK(zq::SanitizeHtml("<a href=\"mailto:a@b.cn\">m</a>") == "<a href=\"mailto:a@b.cn\">m</a>");
  CHECK(zq::SanitizeHtml("<img src=\"http://x/a.png\" alt=\"图\" width=\"10\">") ==
        "<img src=\"http://x/a.png\" alt=\"图\" width=\"10\">");
  CHECK(zq::SanitizeHtml("<table><tr><td colspan=\"2\">1</td></tr></table>") ==
        "<table><tr><td colspan=\"2\">1</td></tr></table>");
  CHECK(zq::SanitizeHtml("a<br>b<hr>") == "a<br>b<hr>");
  CHECK(zq::SanitizeHtml("plain text & more") == "plain text &amp; more");
}

TEST_CASE("unknown elements are unwrapped and dangerous ones dropped with content", "[sanitize]") {
  CHECK(zq::SanitizeHtml("<font color=red>红</font>字") == "红字");
  CHECK(zq::SanitizeHtml("<p>a<script>evil()</script>b</p>") == "<p>ab</p>");
  CHECK(zq::SanitizeHtml("<p>a<style>p{}</style>b</p>") == "<p>ab</p>");
  CHECK(zq::SanitizeHtml("<a href=\"javascript:x()\">text</a>") == "<a>text</a>");
  CHECK(zq::SanitizeHtml("<p>x<!-- secret -->y</p>") == "<p>xy</p>");
}

TEST_CASE("plain text becomes escaped paragraphs", "[sanitize]") {
  CHECK(zq::TextToHtml("第一段 <b>\r\n\r\n  第二段 & 三  \n") ==
        "<p>第一段 &lt;b&gt;</p><p>第二段 &amp; 三</p>");
  CHECK(zq::TextToHtml("") == "");
  CHECK(zq::SanitizeHtml(zq::TextToHtml("a<script>")) == zq::TextToHtml("a<script>"));
}

TEST_CASE("html becomes text with blocks on separate lines", "[sanitize]") {
  CHECK(zq::HtmlToText("<p>第一段</p><p>第二  段\n落</p>") == "第一段\n第二 段 落");
  CHECK(zq::HtmlToText("<ul><li>一</li><li>二</li></ul>x<br>y") == "一\n二\nx\ny");
  CHECK(zq::HtmlToText("<p>a<script>alert(1)</script>b &amp; c</p>") == "ab & c");
  CHECK(zq::HtmlToText("<table><tr><td>1</td><td>2</td></tr></table>") == "1 2");
}

TEST_CASE("markdown becomes sanitized HTML with headings, lists, tables of text and links",
          "[text][markdown]") {
  std::string html = zhanqun::text::MarkdownToHtml(
      "## 一、总体要求\n\n坚持**稳中求进**，详见[国务院](https://www.gov.cn/)。\n\n"
      "1. 第一条\n2. 第二条\n");
  CHECK(html.find("<h2>一、总体要求</h2>") != std::string::npos);
  CHECK(html.find("<strong>稳中求进</strong>") != std::string::npos);
  CHECK(html.find("<a href=\"https://www.gov.cn/\">国务院</a>") != std::string::npos);
  CHECK(html.find("<ol>") != std::string::npos);
  CHECK(html.find("<li>第二条</li>") != std::string::npos);
}

TEST_CASE("markdown drops raw HTML, script and javascript links", "[text][markdown][security]") {
  std::string html = zhanqun::text::MarkdownToHtml(
      "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
      "<iframe src=\"https://evil\"></iframe>");
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("javascript:") == std::string::npos);
  CHECK(html.find("onerror") == std::string::npos);
  CHECK(html.find("<iframe") == std::string::npos);
}
