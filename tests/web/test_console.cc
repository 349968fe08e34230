// The web layer over HTTP: login and its CSRF protection, session cookies,
// access rules, and the admin console pages, against a real Hub, real
// Accounts and a real feeds::HttpServer on a loopback port.
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "feeds/key_support.h"
#include "hub/hub_test_support.h"
#include "sql/sql_test_support.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/sql/sqlite.h"
#include "zhanqun/staff/accounts.h"
#include "zhanqun/staff/audit.h"
#include "zhanqun/staff/staff.h"
#include "zhanqun/web/web.h"

namespace zhanqun::web {
namespace {

using json = nlohmann::json;
using testing::HubFixture;
using testing::kT0;
using testing::MakeRelease;
using testing::NewKey;

constexpr char kAdminPassword[] = "correct horse battery";
constexpr char kEditorPassword[] = "editor horse battery";

template <typename T>
T Must(base::Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

// The value of `name` in a Set-Cookie header, or "".
std::string CookieValue(const std::string& set_cookie, const std::string& name) {
  if (set_cookie.rfind(name + "=", 0) != 0) return "";
  return set_cookie.substr(name.size() + 1, set_cookie.find(';') - name.size() - 1);
}

std::string HiddenCsrf(const std::string& html) {
  std::smatch m;
  REQUIRE(std::regex_search(html, m, std::regex("name=\"csrf\" value=\"([^\"]+)\"")));
  return m[1];
}

struct WebFixture : HubFixture {
  std::unique_ptr<staff::Staff> staff;
  net::HttpServer server;
  net::PocoHttpClient client;

  explicit WebFixture(const std::string& public_url = "") {
    if (!public_url.empty()) config.public_url = public_url;
    Reopen();
    staff::AccountsOptions options;
    options.argon2_t_cost = 1;  // keep the suite fast
    options.argon2_m_cost_kib = 1024;
    staff = Must(staff::Staff::Open(config.data_dir, options, clock));
    staff::Principal cli;
    cli.username = "cli:test";
    cli.roles = staff::RoleSet(staff::RoleSet::kAll);
    cli.via = staff::Principal::Via::kCli;
    staff::Accounts& accounts = staff->accounts();
    Must(accounts.AddUser(cli, "admin", "管理员甲", kAdminPassword, {staff::Role::kAdmin}));
    Must(accounts.AddUser(cli, "editor", "编辑乙", kEditorPassword, {staff::Role::kEditor}));
    RegisterWebRoutes(*hub, *staff, server);
    net::HttpServerOptions o;
    o.port = 0;
    base::Status s = server.Start(o);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  ~WebFixture() { server.Stop(); }

  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server.port()) + path;
  }
  net::HttpResult Get(const std::string& path, const std::string& session = "") {
    std::vector<std::string> h;
    if (!session.empty()) h.push_back("Cookie: zq_session=" + session);
    return Must(client.Get(Url(path), 5000, h));
  }
  net::HttpResult Post(const std::string& path, const std::string& body,
                       std::vector<std::string> headers) {
    return Must(client.Post(Url(path), body, "application/x-www-form-urlencoded", 5000, headers));
  }

  // The login form: its pre-session cookie and the token in its hidden field.
  std::pair<std::string, std::string> LoginForm() {
    net::HttpResult form = Get("/desk/login");
    REQUIRE(form.status == 200);
    std::string pre = CookieValue(form.headers["set-cookie"], "zq_login");
    REQUIRE(pre.size() == 43);
    return {pre, HiddenCsrf(form.body)};
  }
  net::HttpResult PostLogin(const std::string& user, const std::string& password,
                            const std::string& next = "/desk") {
    auto [pre, token] = LoginForm();
    return Post("/desk/login",
                "csrf=" + token + "&username=" + user + "&password=" + net::UrlEncode(password) +
                    "&next=" + net::UrlEncode(next),
                {"Cookie: zq_login=" + pre});
  }
  // Logs in and returns the session cookie's value.
  std::string Login(const std::string& user, const std::string& password) {
    net::HttpResult r = PostLogin(user, password);
    REQUIRE(r.status == 303);
    std::string session = CookieValue(r.headers["set-cookie"], "zq_session");
    REQUIRE_FALSE(session.empty());
    return session;
  }
  // The CSRF token the session's pages carry.
  std::string CsrfOf(const std::string& session) { return HiddenCsrf(Get("/desk", session).body); }
};

TEST_CASE("anonymous users are sent to the login page with the page they asked for",
          "[web][console][security]") {
  WebFixture f;
  net::HttpResult r = f.Get("/console?level=county&state=ERR");
  CHECK(r.status == 303);
  CHECK(r.headers["location"] == "/desk/login?next=%2Fconsole%3Flevel%3Dcounty%26state%3DERR");
  CHECK(f.Get("/console/releases").status == 303);
  CHECK(f.Get("/desk").status == 303);
  net::HttpResult j = f.Get("/console?format=json");
  CHECK(j.status == 401);
  CHECK(j.headers["content-type"].find("application/json") == 0);
}

TEST_CASE("logging in sets a strict HttpOnly session cookie and goes back to a local next only",
          "[web][security]") {
  WebFixture f;
  net::HttpResult r = f.PostLogin("admin", kAdminPassword, "/console?state=ERR");
  REQUIRE(r.status == 303);
  CHECK(r.headers["location"] == "/console?state=ERR");
  const std::string cookie = r.headers["set-cookie"];
  CHECK(cookie.rfind("zq_session=", 0) == 0);
  CHECK_THAT(cookie, Catch::Contains("; Path=/") && Catch::Contains("; HttpOnly") &&
                         Catch::Contains("; SameSite=Strict"));
  CHECK_THAT(cookie, !Catch::Contains("Secure"));  // public_url is not https

  net::HttpResult away = f.PostLogin("admin", kAdminPassword, "https://evil.example/x");
  CHECK(away.headers["location"] == "/desk");
  net::HttpResult proto = f.PostLogin("admin", kAdminPassword, "//evil.example/x");
  CHECK(proto.headers["location"] == "/desk");
}

TEST_CASE("the session cookie is Secure when the hub's public URL is https", "[web][security]") {
  WebFixture f("https://hub.example.gov.cn");
  net::HttpResult r = f.PostLogin("admin", kAdminPassword);
  REQUIRE(r.status == 303);
  CHECK_THAT(r.headers["set-cookie"], Catch::Contains("; Secure"));
}

TEST_CASE("the login form is refused without its pre-session token, and errors are announced",
          "[web][security]") {
  WebFixture f;
  auto [pre, token] = f.LoginForm();
  std::string creds = "&username=admin&password=" + net::UrlEncode(kAdminPassword);

  net::HttpResult no_cookie = f.Post("/desk/login", "csrf=" + token + creds, {});
  CHECK(no_cookie.status == 403);
  CHECK(no_cookie.headers.count("set-cookie") == 1);  // only a fresh zq_login
  CHECK(CookieValue(no_cookie.headers["set-cookie"], "zq_session").empty());

  net::HttpResult wrong =
      f.Post("/desk/login", "csrf=" + std::string(64, 'a') + creds, {"Cookie: zq_login=" + pre});
  CHECK(wrong.status == 403);
  CHECK_THAT(wrong.body, Catch::Contains("role=\"alert\""));

  net::HttpResult bad_password =
      f.Post("/desk/login", "csrf=" + token + "&username=admin&password=nope-nope-nope",
             {"Cookie: zq_login=" + pre});
  CHECK(bad_password.status == 401);
  CHECK_THAT(bad_password.body, Catch::Contains("role=\"alert\" id=\"login-error\"") &&
                                    Catch::Contains("aria-describedby=\"login-error\"") &&
                                    Catch::Contains("用户名或密码错误"));
  CHECK(bad_password.headers.count("set-cookie") == 0);
}

TEST_CASE("repeated failed logins show the throttling message", "[web][security]") {
  WebFixture f;
  net::HttpResult last;
  for (int i = 0; i < 6; ++i) last = f.PostLogin("admin", "wrong-password-" + std::to_string(i));
  CHECK(last.status == 429);
  CHECK_THAT(last.body, Catch::Contains("登录尝试过多"));
  // The right password is refused too while the throttle holds.
  CHECK(f.PostLogin("admin", kAdminPassword).status == 429);
}

TEST_CASE("a session that cannot be looked up answers 500, not the login page",
          "[web][security][store]") {
  WebFixture f;
  std::string admin = f.Login("admin", kAdminPassword);
  REQUIRE(f.Get("/desk", admin).status == 200);
  testing::BreakDb(staff::Staff::AccountsDbPath(f.config.data_dir), "DROP TABLE sessions");
  net::HttpResult page = f.Get("/desk", admin);
  CHECK(page.status == 500);
  CHECK_THAT(page.body,
             Catch::Contains("服务器内部错误") && Catch::Contains("no such table: sessions"));
  CHECK(page.headers.count("location") == 0);
  net::HttpResult j = f.Get("/console?format=json", admin);
  CHECK(j.status == 500);
  CHECK(j.headers["content-type"].find("application/json") == 0);
  CHECK(json::parse(j.body)["code"] == "io_error");
}

TEST_CASE("a login whose failure cannot be recorded answers 500, not a wrong password",
          "[web][security][store]") {
  WebFixture f;
  testing::BreakDb(staff::Staff::AccountsDbPath(f.config.data_dir), "DROP TABLE login_failures");
  net::HttpResult r = f.PostLogin("admin", "wrong-password-1");
  CHECK(r.status == 500);
  CHECK_THAT(r.body, !Catch::Contains("用户名或密码错误"));
  CHECK_THAT(r.body, Catch::Contains("login_failures"));
}

TEST_CASE("a form post without the session's own CSRF token changes nothing", "[web][security]") {
  WebFixture f;
  std::string admin = f.Login("admin", kAdminPassword);
  std::string editor = f.Login("editor", kEditorPassword);
  std::string cookie = "Cookie: zq_session=" + admin;

  CHECK(f.Post("/desk/logout", "", {cookie}).status == 403);
  CHECK(f.Post("/desk/logout", "csrf=forged", {cookie}).status == 403);
  net::HttpResult other = f.Post("/desk/logout", "csrf=" + f.CsrfOf(editor), {cookie});
  CHECK(other.status == 403);
  CHECK_THAT(other.body, Catch::Contains("未做任何更改"));
  // The right token from another site is refused too (Origin check).
  CHECK(f.Post("/desk/logout", "csrf=" + f.CsrfOf(admin), {cookie, "Origin: http://evil.example"})
            .status == 403);
  CHECK(f.Get("/console", admin).status == 200);  // still logged in

  net::HttpResult out = f.Post("/desk/logout", "csrf=" + f.CsrfOf(admin), {cookie});
  CHECK(out.status == 303);
  CHECK(out.headers["location"] == "/desk/login");
  CHECK_THAT(out.headers["set-cookie"],
             Catch::Contains("zq_session=;") && Catch::Contains("Max-Age=0"));
  CHECK(f.Get("/console", admin).status == 303);  // the session is gone
}

TEST_CASE("a user without the admin role gets a 403 page on console pages and no console links",
          "[web][console][security]") {
  WebFixture f;
  std::string editor = f.Login("editor", kEditorPassword);
  for (const char* path :
       {"/console", "/console/releases", "/console/nodes/330000", "/console/releases/r1"}) {
    INFO(path);
    net::HttpResult r = f.Get(path, editor);
    CHECK(r.status == 403);
    CHECK(r.headers["content-type"].find("text/html") == 0);
    CHECK_THAT(r.body, Catch::Contains("管理员（admin）"));
  }
  CHECK(f.Get("/console?format=json", editor).status == 403);
  net::HttpResult home = f.Get("/desk", editor);
  REQUIRE(home.status == 200);
  CHECK_THAT(home.body, Catch::Contains("href=\"/desk/compose\""));
  CHECK_THAT(home.body,
             !Catch::Contains("href=\"/console\"") && !Catch::Contains("href=\"/desk/users\""));
}

TEST_CASE("pages carry the security headers, no script, and the hashed stylesheet URL",
          "[web][security]") {
  WebFixture f;
  std::string admin = f.Login("admin", kAdminPassword);
  net::HttpResult page = f.Get("/console", admin);
  REQUIRE(page.status == 200);
  CHECK(page.headers["content-security-policy"] ==
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'");
  CHECK(page.headers["x-content-type-options"] == "nosniff");
  CHECK(page.headers["referrer-policy"] == "same-origin");
  CHECK(page.headers["cache-control"] == "no-store");
  CHECK_THAT(page.body, Catch::Contains("<html lang=\"zh-CN\">") &&
                            Catch::Contains("href=\"#main\"") && !Catch::Contains("<script") &&
                            Catch::Contains("aria-current=\"page\""));
  std::smatch m;
  REQUIRE(std::regex_search(page.body, m,
                            std::regex("href=\"(/static/desk\\.css\\?v=[0-9a-f]{16})\"")));
  net::HttpResult css = f.Get(m[1]);
  CHECK(css.status == 200);
  CHECK(css.headers["content-type"].find("text/css") == 0);
  CHECK_THAT(css.headers["cache-control"], Catch::Contains("max-age=31536000"));
}

// A small tree on the hub: 浙江省 > 杭州市 > 上城区 (OK), 西湖区 (ERR);
// 北京市 (never reports: OFFLINE) > 东城区 (ERR). r1 is published at kT0 and
// every report arrives 70 s later, past the 60 s SLO.
struct ClusterFixture : WebFixture {
  std::map<std::string, feeds::SecretKey> keys;
  std::uint64_t r1 = 0;
  ClusterFixture() {
    for (const char* code : {"330000", "330100", "330102", "330106", "110000", "110101"}) {
      keys.emplace(code, NewKey());
      MustAddNode(code, keys.at(code).public_key());
    }
    r1 = MustPublish(MakeRelease("gov/r1")).entry.log.seq;
    clock.Advance(70000);
    for (const char* code : {"330000", "330100", "330102"}) {
      Report(code, {{feeds::kHubCode, feeds::Stage::kReceived, r1, 0},
                    {feeds::kHubCode, feeds::Stage::kVerified, r1, 0},
                    {feeds::kHubCode, feeds::Stage::kIndexed, r1, 0},
                    {feeds::kHubCode, feeds::Stage::kLive, r1, 0}});
    }
    Report("330106", {{feeds::kHubCode, feeds::Stage::kReceived, r1, 0},
                      {feeds::kHubCode, feeds::Stage::kLive, r1 - 1, 0}});
    Report("110101", {{feeds::kHubCode, feeds::Stage::kLive, r1 - 1, 0}});
  }
  void Report(const std::string& code, std::vector<feeds::StageAck> acks) {
    feeds::NodeReport r;
    r.node = code;
    r.boot = 1;
    r.n = 1;
    r.acks = std::move(acks);
    // As a real agent's: without a statement the hub signed, a node is STALE.
    r.head_statement = Must(hub->HeadStatement());
    std::string body = feeds::EncodeReport(r);
    Must(hub->AcceptReports(body, feeds::SignatureFor(keys.at(code), body)));
  }
};

TEST_CASE("the console tree filter shows every county in ERR with its ancestors' path",
          "[web][console]") {
  ClusterFixture f;
  std::string admin = f.Login("admin", kAdminPassword);
  net::HttpResult all = f.Get("/console", admin);
  REQUIRE(all.status == 200);
  for (const char* name : {"浙江省", "杭州市", "上城区", "西湖区", "北京市", "东城区"}) {
    CHECK_THAT(all.body, Catch::Contains(name));
  }
  CHECK_THAT(all.body, Catch::Contains("state state-ERR\">ERR</span> <strong>2</strong>"));
  CHECK_THAT(all.body, Catch::Contains("state state-OFFLINE\">OFFLINE</span> <strong>1</strong>"));

  net::HttpResult err = f.Get("/console?state=ERR&level=county", admin);
  REQUIRE(err.status == 200);
  CHECK_THAT(err.body, Catch::Contains("匹配 2 个节点"));
  CHECK_THAT(err.body, Catch::Contains("西湖区") && Catch::Contains("东城区"));
  CHECK_THAT(err.body, Catch::Contains("杭州市") && Catch::Contains("北京市"));  // the path
  CHECK_THAT(err.body, !Catch::Contains("上城区"));
  CHECK_THAT(err.body, Catch::Contains("has been due for 70.0 s"));  // the why
  CHECK_THAT(err.body, Catch::Contains("<option value=\"ERR\" selected>"));

  json j = json::parse(f.Get("/console?state=ERR&level=county&format=json", admin).body);
  REQUIRE(j["nodes"].size() == 2);
  CHECK(j["matched"] == 2);
  CHECK(j["states"]["ERR"] == 2);
  CHECK(j["nodes"][0]["code"] == "110101");
  CHECK(j["nodes"][0]["path"] == json::array({"110000"}));
  CHECK(j["nodes"][1]["code"] == "330106");
  CHECK(j["nodes"][1]["path"] == json::array({"330000", "330100"}));

  json by_text = json::parse(f.Get("/console?q=%E8%A5%BF%E6%B9%96&format=json", admin).body);
  REQUIRE(by_text["nodes"].size() == 1);
  CHECK(by_text["nodes"][0]["name"] == "西湖区");
}

TEST_CASE("a node page charts its lag history in SVG with a data table below", "[web][console]") {
  ClusterFixture f;
  std::string admin = f.Login("admin", kAdminPassword);
  net::HttpResult r = f.Get("/console/nodes/330102", admin);
  REQUIRE(r.status == 200);
  CHECK_THAT(r.body,
             Catch::Contains("<svg") && Catch::Contains("role=\"img\"") &&
                 Catch::Contains("<title id=\"lag-chart-title\">上城区（330102）各阶段延迟"));
  CHECK_THAT(r.body, Catch::Contains("<desc id=\"lag-chart-desc\">"));
  CHECK_THAT(r.body, Catch::Contains("延迟（秒）"));
  // The fallback table: r1 reached every stage 70 s after it was published.
  CHECK_THAT(r.body,
             Catch::Contains("<th scope=\"row\" class=\"num\">" + std::to_string(f.r1) + "</th>"));
  CHECK_THAT(r.body, Catch::Contains("1 分 10 秒"));
  CHECK_THAT(r.body, Catch::Contains("状态 OK"));

  json j = json::parse(f.Get("/console/nodes/330102?format=json", admin).body);
  // Releases only: the three registrations appended between 330102's own
  // and r1 have no lag of their own to chart.
  REQUIRE(j["history"].size() == 1);
  CHECK(j["history"].back()["seq"] == f.r1);
  CHECK(j["history"].back()["lag_ms"]["live"] == 70000);
  CHECK(j["node"]["state"] == "OK");

  net::HttpResult quiet = f.Get("/console/nodes/110000", admin);
  REQUIRE(quiet.status == 200);
  CHECK_THAT(quiet.body, Catch::Contains("暂无数据") && Catch::Contains("状态 OFFLINE"));
  CHECK(f.Get("/console/nodes/999999", admin).status == 404);
}

TEST_CASE("the release matrix has a row per province with each node's furthest stage",
          "[web][console]") {
  ClusterFixture f;
  std::string admin = f.Login("admin", kAdminPassword);
  net::HttpResult list = f.Get("/console/releases", admin);
  REQUIRE(list.status == 200);
  CHECK_THAT(list.body,
             Catch::Contains("href=\"/console/releases/gov/r1\"") && Catch::Contains("3 / 6"));
  json lj = json::parse(f.Get("/console/releases?format=json", admin).body);
  REQUIRE(lj.size() == 1);
  CHECK(lj[0]["live_count"] == 3);
  CHECK(lj[0]["node_count"] == 6);

  net::HttpResult r = f.Get("/console/releases/gov/r1", admin);
  REQUIRE(r.status == 200);
  const std::string& b = r.body;
  // Rows: 北京市 before 浙江省 (code order), each with its live count.
  std::size_t beijing = b.find("北京市（110000）"), zhejiang = b.find("浙江省（330000）");
  REQUIRE(beijing != std::string::npos);
  REQUIRE(zhejiang != std::string::npos);
  CHECK(beijing < zhejiang);
  CHECK_THAT(b, Catch::Contains("0/2 已上线") && Catch::Contains("3/4 已上线"));
  CHECK_THAT(
      b, Catch::Contains(
             "class=\"cell stage-live\" title=\"上城区（330102）：已上线，上线用时 1 分 10 秒\""));
  CHECK_THAT(
      b, Catch::Contains("class=\"cell stage-received\" title=\"西湖区（330106）：已接收，自 "));
  CHECK_THAT(b, Catch::Contains("class=\"cell stage-none\" title=\"北京市（110000）：未到达，自 "));
  CHECK_THAT(b, Catch::Contains("已等待 1 分 10 秒"));
  // The accessible table lists every node too.
  CHECK_THAT(b, Catch::Contains("<th scope=\"row\">东城区</th>"));

  CHECK(f.Get("/console/releases/no-such", admin).status == 404);
  json j = json::parse(f.Get("/console/releases/gov/r1?format=json", admin).body);
  CHECK(j["live_count"] == 3);
  CHECK(j["lacking_count"] == 3);
}

TEST_CASE("the console's JSON twins embed the node objects /api/v1/status shows",
          "[web][console]") {
  ClusterFixture f;
  std::string admin = f.Login("admin", kAdminPassword);
  json status = f.StatusDoc();
  std::map<std::string, json> by_code;
  for (const json& n : status["nodes"]) by_code[n["code"].get<std::string>()] = n;
  REQUIRE(by_code.size() == 6);

  json tree = json::parse(f.Get("/console?format=json", admin).body);
  REQUIRE(tree["nodes"].size() == 6);
  for (json n : tree["nodes"]) {
    n.erase("path");  // the console's own addition
    CHECK(n == by_code.at(n["code"].get<std::string>()));
  }
  for (const char* code : {"330106", "110000"}) {
    json page =
        json::parse(f.Get(std::string("/console/nodes/") + code + "?format=json", admin).body);
    CHECK(page["node"] == by_code.at(code));
  }
}

TEST_CASE("console pages answer 500 when the hub's store cannot be read, not an empty cluster",
          "[web][console]") {
  ClusterFixture f;
  std::string admin = f.Login("admin", kAdminPassword);
  {
    // The hub's schema is at version 4: given as many (empty) migrations,
    // the adapter applies none.
    std::unique_ptr<sql::Db> db =
        Must(sql::Db::Open(f.config.DbPath(), std::vector<std::string>(5)));
    REQUIRE(db->Exec("DROP TABLE ack_events").ok());
  }
  for (const char* path :
       {"/console", "/console/nodes/330106", "/console/releases", "/console/releases/gov/r1"}) {
    INFO(path);
    net::HttpResult page = f.Get(path, admin);
    CHECK(page.status == 500);
    CHECK_THAT(page.body, Catch::Contains("无法读取集群状态"));
    net::HttpResult j = f.Get(std::string(path) + "?format=json", admin);
    CHECK(j.status == 500);
    CHECK(json::parse(j.body).contains("error"));
  }
}

}  // namespace
}  // namespace zhanqun::web
