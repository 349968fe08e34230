// Web layer units: cookies, Set-Cookie, local redirects, forms (urlencoded
// and multipart), the SVG renderer, and the embedded assets.
#include <catch2/catch.hpp>
#include <string>

#include "assets.h"
#include "svg.h"
#include "web_internal.h"
#include "zhanqun/net/http.h"

namespace zhanqun::web {
namespace {

net::HttpRequest Post(const std::string& content_type, const std::string& body) {
  net::HttpRequest r;
  r.method = "POST";
  r.path = "/x";
  r.headers["content-type"] = content_type;
  r.body = body;
  return r;
}

int Count(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1))
    n++;
  return n;
}

}  // namespace

TEST_CASE("cookie parsing trims, unquotes, keeps the first of a repeated name and skips junk",
          "[web][cookie]") {
  auto c = ParseCookies(" zq_session=abc ; other=\"q v\";zq_session=second; junk; =x; e=");
  CHECK(c.at("zq_session") == "abc");
  CHECK(c.at("other") == "q v");
  CHECK(c.at("e").empty());
  CHECK(c.count("junk") == 0);
  CHECK(c.count("") == 0);
  CHECK(ParseCookies("").empty());
}

TEST_CASE("the session cookie is HttpOnly, SameSite=Strict, Path=/, and Secure only when asked",
          "[web][cookie]") {
  std::string plain = SetCookieHeader(kSessionCookie, "tok", {"/", false, -1});
  CHECK(plain == "zq_session=tok; Path=/; HttpOnly; SameSite=Strict");
  std::string secure = SetCookieHeader(kSessionCookie, "tok", {"/", true, -1});
  CHECK(secure.find("; Secure") != std::string::npos);
  std::string gone = SetCookieHeader(kSessionCookie, "", {"/", true, 0});
  CHECK(gone.find("Max-Age=0") != std::string::npos);
}

TEST_CASE("only local paths are accepted as a login redirect target", "[web][security]") {
  CHECK(IsLocalPath("/desk"));
  CHECK(IsLocalPath("/console?state=ERR&level=county"));
  CHECK_FALSE(IsLocalPath(""));
  CHECK_FALSE(IsLocalPath("https://evil.example/"));
  CHECK_FALSE(IsLocalPath("//evil.example/desk"));
  CHECK_FALSE(IsLocalPath("/\\evil.example"));
  CHECK_FALSE(IsLocalPath("/desk\r\nSet-Cookie: x=1"));
  CHECK_FALSE(IsLocalPath("desk"));
}

TEST_CASE("random tokens are 43 base64url characters and differ", "[web][security]") {
  std::string a = RandomToken(), b = RandomToken();
  CHECK(a.size() == 43);
  CHECK(a != b);
  CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
}

TEST_CASE("an urlencoded form keeps every value of a repeated name", "[web][form]") {
  auto all = net::ParseFormUrlEncodedAll("role=editor&role=admin&name=%E5%BC%A0+%E4%B8%89&x");
  REQUIRE(all.size() == 4);
  CHECK(all[0] == std::pair<std::string, std::string>{"role", "editor"});
  CHECK(all[1].second == "admin");
  CHECK(all[2].second == "张 三");
  CHECK(all[3] == std::pair<std::string, std::string>{"x", ""});

  base::Result<Form> f = ParseForm(
      Post("application/x-www-form-urlencoded; charset=UTF-8", "csrf=t&role=editor&role=admin"));
  REQUIRE(f.ok());
  CHECK(f->Get("csrf") == "t");
  CHECK(f->All("role") == std::vector<std::string>{"editor", "admin"});
  CHECK(f->Get("missing", "d") == "d");
}

TEST_CASE("a multipart form yields its fields and its files with their bytes", "[web][form]") {
  using namespace std::string_literals;
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
      "Content-Type: application/pdf\r\n\r\n%PDF\0\1\r\nend\r\n--XyZ--\r\n"s;
  base::Result<Form> f = ParseForm(Post("multipart/form-data; boundary=XyZ", body));
  INFO(f.status().ToString());
  REQUIRE(f.ok());
  CHECK(f->Get("csrf") == "tok");
  REQUIRE(f->files.size() == 1);
  CHECK(f->files[0].name == "file");
  CHECK(f->files[0].filename == "a.pdf");
  CHECK(f->files[0].content_type == "application/pdf");
  CHECK(f->files[0].bytes == std::string("%PDF\0\1\r\nend", 11));
}

TEST_CASE("a multipart body without a boundary or of another type is refused by name",
          "[web][form]") {
  base::Result<std::vector<net::MultipartPart>> no_boundary =
      net::ParseMultipartFormData("multipart/form-data", "x");
  REQUIRE_FALSE(no_boundary.ok());
  CHECK(no_boundary.status().message().find("boundary") != std::string::npos);
  base::Result<Form> other = ParseForm(Post("text/plain", "a=b"));
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message().find("Content-Type") != std::string::npos);
  base::Result<std::vector<net::MultipartPart>> nameless =
      net::ParseMultipartFormData("multipart/form-data; boundary=B",
                                  "--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B--\r\n");
  REQUIRE_FALSE(nameless.ok());
  CHECK(nameless.status().message().find("name") != std::string::npos);
}

TEST_CASE("security headers forbid scripts, framing and sniffing", "[web][security]") {
  net::HttpResponse r = HtmlResponse(200, "<p>x</p>");
  std::map<std::string, std::string> h(r.headers.begin(), r.headers.end());
  CHECK(h.at("Content-Security-Policy") ==
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'");
  CHECK(h.at("X-Content-Type-Options") == "nosniff");
  CHECK(h.at("Referrer-Policy") == "same-origin");
  CHECK(h.at("Cache-Control") == "no-store");
}

TEST_CASE("templates and the stylesheet are compiled in, and no asset is JavaScript",
          "[web][assets]") {
  CHECK(Template("layout").find("<html lang=\"zh-CN\">") != std::string_view::npos);
  CHECK_FALSE(Template("login").empty());
  CHECK(Template("no-such-template").empty());
  const EmbeddedFile* css = FindAsset("static/desk.css");
  REQUIRE(css != nullptr);
  CHECK(std::string(css->sha256).size() == 64);
  CHECK(AssetText(*css).find("@media print") != std::string_view::npos);
  for (std::size_t i = 0; i < kEmbeddedFileCount; ++i) {
    std::string path = kEmbeddedFiles[i].path;
    INFO(path);
    CHECK(path.find(".js") == std::string::npos);
    CHECK(AssetText(kEmbeddedFiles[i]).find("<script") == std::string_view::npos);
  }
}

TEST_CASE("svg text is escaped so a node name cannot inject markup", "[web][svg]") {
  CHECK(XmlEscape("<a href=\"x\">'&'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  LineChart c;
  c.id = "c1";
  c.title = "<script>alert(1)</script>";
  c.desc = "a & b";
  c.series = {{"<b>s</b>", {{0, 1}, {1, 2}}}};
  std::string svg = RenderLineChart(c);
  CHECK(svg.find("<script") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;") != std::string::npos);
  CHECK(svg.find("&lt;b&gt;s&lt;/b&gt;") != std::string::npos);
  CHECK(svg.find("a &amp; b") != std::string::npos);
}

TEST_CASE("linear scales map the domain onto the range, and a flat domain to its middle",
          "[web][svg]") {
  LinearScale s{0, 10, 100, 200};
  CHECK(s(0) == Approx(100));
  CHECK(s(5) == Approx(150));
  CHECK(s(10) == Approx(200));
  LinearScale inverted{0, 4, 300, 100};  // y grows downwards in SVG
  CHECK(inverted(1) == Approx(250));
  LinearScale flat{3, 3, 0, 50};
  CHECK(flat(3) == Approx(25));
}

TEST_CASE("nice ticks cover the data with 1-2-5 steps", "[web][svg]") {
  std::vector<double> t = NiceTicks(0, 9.3, 5);
  REQUIRE(t.size() >= 2);
  CHECK(t.front() == Approx(0));
  CHECK(t.back() >= 9.3);
  CHECK(t[1] - t[0] == Approx(2));
  std::vector<double> one = NiceTicks(4, 4, 5);
  CHECK(one.front() <= 4);
  CHECK(one.back() >= 4);
  CHECK(FormatNumber(2.50) == "2.5");
  CHECK(FormatNumber(3) == "3");
  CHECK(FormatNumber(-0.001) == "0");
}

TEST_CASE("a chart has an accessible name, axis labels, a legend and one marker per point",
          "[web][svg]") {
  LineChart c;
  c.id = "lag";
  c.title = "延迟";
  c.desc = "各阶段延迟";
  c.x_label = "发布时间";
  c.y_label = "延迟（秒）";
  c.x_is_time_ms = true;
  c.series = {{"live", {{1700000000000, 1.5}, {1700000010000, 3}, {1700000020000, 0.5}}},
              {"indexed", {{1700000000000, 1}}}};
  std::string svg = RenderLineChart(c);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("role=\"img\"") != std::string::npos);
  CHECK(svg.find("aria-labelledby=\"lag-title lag-desc\"") != std::string::npos);
  CHECK(svg.find("<title id=\"lag-title\">延迟</title>") != std::string::npos);
  CHECK(svg.find("<desc id=\"lag-desc\">各阶段延迟</desc>") != std::string::npos);
  CHECK(svg.find("发布时间") != std::string::npos);
  CHECK(svg.find("延迟（秒）") != std::string::npos);
  CHECK(svg.find(">live</text>") != std::string::npos);
  CHECK(svg.find(">indexed</text>") != std::string::npos);
  // 1700000000000 ms is 22:13:20 UTC, 06:13:20 in Beijing.
  CHECK(svg.find("06:13:20") != std::string::npos);
  // Series 0 uses circles (3 points + 1 in the legend), series 1 squares.
  CHECK(Count(svg, "<circle") == 4);
  CHECK(svg.find("stroke-dasharray") != std::string::npos);
  CHECK(svg.find("style=") == std::string::npos);  // the CSP forbids inline styles
  CHECK(svg.substr(svg.size() - 6) == "</svg>");
}

TEST_CASE("a chart without data says so instead of drawing axes", "[web][svg]") {
  LineChart c;
  c.id = "empty";
  c.title = "t";
  c.series = {{"live", {}}};
  std::string svg = RenderLineChart(c);
  CHECK(svg.find("暂无数据") != std::string::npos);
  CHECK(svg.find("<circle") == std::string::npos);
  CHECK(svg.find("<title id=\"empty-title\">t</title>") != std::string::npos);
}

}  // namespace zhanqun::web
