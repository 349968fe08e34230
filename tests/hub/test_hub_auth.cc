// The hub's API endpoints behind Accounts tokens: 401 without a known token,
// 403 without the permission, and an audit record for each direct action.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "feeds/key_support.h"
#include "hub_test_support.h"
#include "zhanqun/hub/hub_http.h"
#include "zhanqun/net/http.h"

namespace zhanqun::hub {
namespace {

using base::Code;
using base::Result;
using json = nlohmann::json;
using testing::HubFixture;
using testing::NewKey;

Principal Cli() {
  Principal p;
  p.via = Principal::Via::kCli;
  p.username = "cli:test";
  return p;
}

// A hub with its routes on a loopback port.
struct ServedHub : HubFixture {
  net::HttpServer server;
  net::PocoHttpClient client;
  ServedHub() {
    RegisterHubRoutes(*hub, server, nullptr);
    net::HttpServerOptions o;
    o.port = 0;
    REQUIRE(server.Start(o).ok());
  }
  ~ServedHub() { server.Stop(); }
  net::HttpResult Post(const std::string& path, const std::string& body, const std::string& token) {
    std::vector<std::string> headers;
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    Result<net::HttpResult> r =
        client.Post("http://127.0.0.1:" + std::to_string(server.port()) + path, body,
                    "application/json", 5000, headers);
    REQUIRE(r.ok());
    return std::move(r).value();
  }
  // A token for a user with exactly `roles` (a system user: no password).
  std::string TokenWithRoles(const std::string& user, RoleSet roles) {
    REQUIRE(hub->accounts().AddUser(Cli(), user, "", "", roles).ok());
    Result<std::string> t = hub->accounts().CreateToken(Cli(), user, user + "-token", roles);
    REQUIRE(t.ok());
    return *t;
  }
};

const std::string kRelease = R"({"id":"gov-1","title":"通知","authority":"国务院办公厅"})";

TEST_CASE("hub API answers 401 without a known token and 403 without the permission",
          "[hub][auth][http]") {
  ServedHub h;
  net::HttpResult none = h.Post("/api/v1/releases", kRelease, "");
  CHECK(none.status == 401);
  CHECK_THAT(none.body, Catch::Contains("bearer"));
  CHECK(none.headers["www-authenticate"] == "Bearer realm=\"zhanqun\"");
  CHECK(h.Post("/api/v1/releases", kRelease, "zq_unknown").status == 401);

  std::string editor = h.TokenWithRoles("ed", {Role::kEditor, Role::kReviewer, Role::kApprover});
  net::HttpResult denied = h.Post("/api/v1/releases", kRelease, editor);
  CHECK(denied.status == 403);
  json j = json::parse(denied.body);
  CHECK(j["code"] == "permission_denied");
  CHECK(j["error"] ==
        "publish.direct needs the admin role; ed (token ed-token) has editor,reviewer,approver "
        "through this token");
  CHECK(h.Post("/api/v1/nodes", R"({"code":"330000","public_key":"x"})", editor).status == 403);
  CHECK(h.Post("/api/v1/topics", R"({"id":"t","title":"T"})", editor).status == 403);
  CHECK(h.hub->store().Releases(10).empty());
  CHECK(h.hub->audit().Head() == 2);  // user.add and token.create only

  // A token of an admin user scoped below admin is refused the same way.
  REQUIRE(h.hub->accounts().AddUser(Cli(), "root", "", "", RoleSet(RoleSet::kAll)).ok());
  Result<std::string> narrow =
      h.hub->accounts().CreateToken(Cli(), "root", "root-edit", {Role::kEditor});
  REQUIRE(narrow.ok());
  CHECK(h.Post("/api/v1/releases", kRelease, *narrow).status == 403);
}

TEST_CASE("hub API actions with the automation token succeed and are audited",
          "[hub][auth][http][audit]") {
  ServedHub h;
  Result<std::string> token = h.hub->CreateAutomationToken(Cli(), "staff");
  REQUIRE(token.ok());
  net::HttpResult rel = h.Post("/api/v1/releases", kRelease, *token);
  INFO(rel.body);
  REQUIRE(rel.status == 201);
  feeds::SecretKey node = NewKey();
  std::string node_body =
      json{{"code", "330000"}, {"public_key", feeds::PublicKeyBase64(node.public_key())}}.dump();
  net::HttpResult added = h.Post("/api/v1/nodes", node_body, *token);
  INFO(added.body);
  REQUIRE(added.status == 201);
  REQUIRE(h.Post("/api/v1/topics", R"({"id":"economy","title":"经济"})", *token).status == 201);

  AuditFilter f;
  f.actor = "automation (token staff)";
  std::vector<AuditRecord> records = h.hub->audit().List(f);
  REQUIRE(records.size() == 3);
  CHECK(records[2].action == "release.publish_direct");
  CHECK(records[2].object == "release:gov-1");
  json d = json::parse(records[2].detail);
  CHECK(d["version"] == 1);
  CHECK(d["seq"] == 2);
  CHECK(records[1].action == "node.add");
  CHECK(records[1].object == "node:330000");
  CHECK(records[0].action == "topic.define");
  CHECK(records[0].object == "topic:economy");
  CHECK(h.hub->audit().Verify().ok());
  for (const AuditRecord& r : h.hub->audit().List({})) {
    CHECK(r.detail.find(*token) == std::string::npos);
  }
}

TEST_CASE("hub opens its audit log and accounts in the data directory", "[hub][auth]") {
  HubFixture f;
  CHECK(std::filesystem::exists(f.config.AuditDbPath()));
  CHECK(std::filesystem::exists(f.config.AccountsDbPath()));
  REQUIRE(f.hub->accounts().AddUser(Cli(), "alice", "", "", {Role::kEditor}).ok());
  f.Reopen();
  CHECK(f.hub->accounts().FindUser("alice"));
  CHECK(f.hub->audit().Head() == 1);
}

TEST_CASE("hub config reads and validates the accounts settings", "[hub][config]") {
  const std::string base = R"({"data_dir":"d","divisions_file":"x.csv")";
  Result<HubConfig> c = ParseHubConfig(
      base + R"(,"accounts":{"session_ttl_s":3600,"session_idle_s":600,"argon2_t_cost":2}})",
      "/etc");
  REQUIRE(c.ok());
  CHECK(c->accounts.session_ttl_s == 3600);
  CHECK(c->accounts.session_idle_s == 600);
  CHECK(c->accounts.argon2_t_cost == 2);
  CHECK(c->accounts.argon2_m_cost_kib == 64 * 1024);
  CHECK(c->AccountsDbPath() == "/etc/d/accounts.db");
  Result<HubConfig> bad = ParseHubConfig(
      base + R"(,"accounts":{"session_ttl_s":600,"session_idle_s":3600,"colour":1}})", "/etc");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("accounts.colour: unknown setting"));
  CHECK_THAT(bad.status().message(),
             Catch::Contains("accounts.session_idle_s: must not be longer than session_ttl_s"));
  Result<HubConfig> low = ParseHubConfig(base + R"(,"accounts":{"argon2_m_cost_kib":8}})", "");
  REQUIRE_FALSE(low.ok());
  CHECK_THAT(low.status().message(), Catch::Contains("accounts.argon2_m_cost_kib: expected"));
}

}  // namespace
}  // namespace zhanqun::hub
