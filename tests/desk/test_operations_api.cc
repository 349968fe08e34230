// The staff's actions outside the workflow over the JSON API (operations.h):
// 401 without a known token, 403 without the permission, and an audit
// record for each action.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "feeds/key_support.h"
#include "hub/hub_test_support.h"
#include "sql/sql_test_support.h"
#include "zhanqun/desk/desk_api.h"
#include "zhanqun/desk/desk_stack.h"
#include "zhanqun/net/http.h"
#include "zhanqun/staff/staff.h"

namespace zhanqun::desk {
namespace {

using base::Code;
using base::Result;
using json = nlohmann::json;
using staff::AuditFilter;
using staff::AuditRecord;
using staff::Principal;
using staff::Role;
using staff::RoleSet;
using testing::HubFixture;
using testing::Must;
using testing::NewKey;

Principal Cli() {
  Principal p;
  p.via = Principal::Via::kCli;
  p.username = "cli:test";
  return p;
}

// A hub, its staff and desk, and the desk API on a loopback port.
struct ServedHub : HubFixture {
  std::unique_ptr<staff::Staff> staff;
  std::unique_ptr<DeskStack> stack;
  net::HttpServer server;
  net::PocoHttpClient client;
  ServedHub() {
    staff::AccountsOptions accounts;
    accounts.argon2_t_cost = 1;
    accounts.argon2_m_cost_kib = 1024;
    staff = std::move(staff::Staff::Open(config.data_dir, accounts, clock)).value();
    DeskConfig dc;
    dc.data_dir = config.data_dir;
    Result<std::unique_ptr<DeskStack>> s = DeskStack::Open(dc, *hub, staff->audit(), clock);
    REQUIRE(s.ok());
    stack = std::move(s).value();
    RegisterDeskApiRoutes(server, stack->desk(), *staff, stack->operations());
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
  net::HttpResult Get(const std::string& path, const std::string& token) {
    Result<net::HttpResult> r =
        client.Get("http://127.0.0.1:" + std::to_string(server.port()) + path, 5000,
                   {"Authorization: Bearer " + token});
    REQUIRE(r.ok());
    return std::move(r).value();
  }
  // A token for a user with exactly `roles` (a system user: no password).
  std::string TokenWithRoles(const std::string& user, RoleSet roles) {
    REQUIRE(staff->accounts().AddUser(Cli(), user, "", "", roles).ok());
    Result<std::string> t = staff->accounts().CreateToken(Cli(), user, user + "-token", roles);
    REQUIRE(t.ok());
    return *t;
  }
};

const std::string kRelease = R"({"id":"gov-1","title":"通知","authority":"国务院办公厅"})";

TEST_CASE("the staff API answers 401 without a known token and 403 without the permission",
          "[desk][auth][http]") {
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
  CHECK(testing::Must(h.hub->store().Releases(10)).empty());
  CHECK(testing::Must(h.staff->audit().Head()) == 2);  // user.add and token.create only

  // A token of an admin user scoped below admin is refused the same way.
  REQUIRE(h.staff->accounts().AddUser(Cli(), "root", "", "", RoleSet(RoleSet::kAll)).ok());
  Result<std::string> narrow =
      h.staff->accounts().CreateToken(Cli(), "root", "root-edit", {Role::kEditor});
  REQUIRE(narrow.ok());
  CHECK(h.Post("/api/v1/releases", kRelease, *narrow).status == 403);
  CHECK(h.staff->counters().auth_failures == 2);
}

TEST_CASE("the staff API answers 500, not 401, when the token store cannot be read",
          "[desk][auth][http][store]") {
  ServedHub h;
  Result<std::string> token = h.staff->CreateAutomationToken(Cli(), "staff");
  REQUIRE(token.ok());
  testing::BreakDb(staff::Staff::AccountsDbPath(h.config.data_dir), "DROP TABLE api_tokens");
  net::HttpResult r = h.Post("/api/v1/releases", kRelease, *token);
  CHECK(r.status == 500);
  CHECK(r.headers.count("www-authenticate") == 0);
  CHECK_THAT(r.body, Catch::Contains("no such table: api_tokens"));
  CHECK(h.staff->counters().auth_failures == 0);
  CHECK(testing::Must(h.hub->store().Releases(10)).empty());
}

TEST_CASE("the desk API answers 500 naming the damage when a draft row does not read",
          "[desk][http][store]") {
  ServedHub h;
  std::string editor = h.TokenWithRoles("ed", {Role::kEditor});
  net::HttpResult made =
      h.Post("/api/v1/drafts", R"({"title":"通知","authority":"国务院办公厅","body_text":"正文"})",
             editor);
  INFO(made.body);
  REQUIRE(made.status == 201);
  const std::string id = std::to_string(json::parse(made.body)["id"].get<std::int64_t>());
  REQUIRE(h.Get("/api/v1/drafts", editor).status == 200);
  testing::BreakDb(h.config.data_dir + "/desk.db", "UPDATE drafts SET state = 'limbo'");
  for (const net::HttpResult& r :
       {h.Get("/api/v1/drafts", editor), h.Get("/api/v1/drafts/" + id, editor),
        h.Get("/api/v1/queue", editor), h.Post("/api/v1/drafts/" + id + "/submit", "", editor)}) {
    INFO(r.body);
    CHECK(r.status == 500);
    json j = json::parse(r.body);
    CHECK(j["code"] == "corruption");
    CHECK_THAT(j["error"].get<std::string>(),
               Catch::Contains("drafts.state") && Catch::Contains("'limbo'"));
  }
}

TEST_CASE("actions with the automation token succeed and are audited",
          "[desk][auth][http][audit]") {
  ServedHub h;
  Result<std::string> token = h.staff->CreateAutomationToken(Cli(), "staff");
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
  std::vector<AuditRecord> records = Must(h.staff->audit().List(f));
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
  CHECK(Must(h.staff->audit().Verify()).ok());
  for (const AuditRecord& r : Must(h.staff->audit().List({}))) {
    CHECK(r.detail.find(*token) == std::string::npos);
  }
}

TEST_CASE("node key changes go through the operations, each audited, errors naming the node",
          "[desk][keys][audit]") {
  ServedHub h;
  Operations& ops = h.stack->operations();
  Principal admin = Cli();
  admin.roles = staff::RoleSet(staff::RoleSet::kAll);  // as zhanqun-hub's CLI runs
  feeds::SecretKey first = NewKey();
  feeds::SecretKey second = NewKey();
  feeds::SecretKey third = NewKey();
  Result<feeds::SignedEntry> added = ops.AddNode(admin, "330000", "", first.public_key());
  INFO(added.status().ToString());
  REQUIRE(added.ok());

  feeds::SignedEntry rekeyed = Must(ops.RekeyNode(admin, "330000", second.public_key(), 5));
  REQUIRE(rekeyed.entry.node);
  CHECK(feeds::NodeGrants(*rekeyed.entry.node) ==
        std::vector<feeds::KeyGrant>{{first.public_key(), 1, 5}, {second.public_key(), 5, 0}});
  feeds::SignedEntry revoked = Must(ops.RevokeNode(admin, "330000", 9));
  CHECK(revoked.entry.node->key_spans.back() == feeds::KeySpan{5, 10});
  feeds::SignedEntry rejoined = Must(ops.RejoinNode(admin, "330000", third.public_key()));
  CHECK(rejoined.entry.node->epoch == 2);
  feeds::SignedEntry removed = Must(ops.RemoveNode(admin, "330000"));
  CHECK(removed.entry.node->status == feeds::NodeStatus::kRemoved);

  Result<feeds::SignedEntry> unknown = ops.RevokeNode(admin, "330100", 3);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("node 330100 is not registered"));
  Result<feeds::SignedEntry> hub_key = ops.RekeyNode(admin, "000000", third.public_key(), 3);
  REQUIRE_FALSE(hub_key.ok());
  CHECK_THAT(hub_key.status().message(), Catch::Contains("hub's own key"));

  std::vector<AuditRecord> records = Must(h.staff->audit().List({}));
  std::vector<std::string> actions;
  for (const AuditRecord& r : records) {
    if (r.object == "node:330000") actions.push_back(r.action);
  }
  CHECK(actions == std::vector<std::string>{"node.remove", "node.rejoin", "node.revoke",
                                            "node.rekey", "node.add"});
}

TEST_CASE("moving a node goes through the operations, audited as node.move",
          "[desk][nodes][audit]") {
  ServedHub h;
  Operations& ops = h.stack->operations();
  Principal admin = Cli();
  admin.roles = staff::RoleSet(staff::RoleSet::kAll);
  Must(ops.AddNode(admin, "330000", "", NewKey().public_key()));
  Must(ops.AddNode(admin, "330106", "", NewKey().public_key()));  // its city is not registered
  Must(ops.AddNode(admin, "330100", "", NewKey().public_key()));

  // Without the node-management permission: refused, nothing appended.
  const std::uint64_t head = Must(h.hub->store().Head(feeds::kHubCode));
  Principal editor = Cli();
  editor.roles = staff::RoleSet({Role::kEditor});
  Result<feeds::SignedEntry> denied = ops.MoveNode(editor, "330106", "330100");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.status().code() == Code::kPermissionDenied);
  CHECK(Must(h.hub->store().Head(feeds::kHubCode)) == head);

  feeds::SignedEntry moved = Must(ops.MoveNode(admin, "330106", "330100"));
  CHECK(moved.entry.node->parent == "330100");
  Result<feeds::SignedEntry> again = ops.MoveNode(admin, "330106", "330100");
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.status().message(), Catch::Contains("already under 330100"));

  std::vector<AuditRecord> records = Must(h.staff->audit().List({}));
  std::vector<std::string> moves;
  for (const AuditRecord& r : records) {
    if (r.action == "node.move") moves.push_back(r.object);
  }
  // Only the move that happened is in the audit log.
  CHECK(moves == std::vector<std::string>{"node:330106 parent:330100"});
  CHECK(Must(h.staff->audit().Verify()).ok());
}

}  // namespace
}  // namespace zhanqun::desk
