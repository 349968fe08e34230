#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>

#include "sql/sql_test_support.h"
#include "test_support.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/staff/accounts.h"

namespace zhanqun::staff {
namespace {

using base::Code;
using base::Result;
using base::Status;
using testing::Must;
using testing::TempDir;

constexpr base::TimeMs kT0 = 1700000000000;
constexpr base::TimeMs kMinute = 60 * 1000;
const std::string kPassword = "correct horse battery";

Principal Cli() {
  Principal p;
  p.via = Principal::Via::kCli;
  p.username = "cli:test";
  return p;
}

struct AccountsFixture {
  TempDir dir;
  base::FakeClock clock{kT0};
  AccountsOptions options;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<Accounts> accounts;

  AccountsFixture() {
    options.argon2_m_cost_kib = 1024;  // keep the suite fast
    options.argon2_t_cost = 1;
    Reopen();
  }
  void Reopen() {
    accounts.reset();
    audit.reset();
    Result<std::unique_ptr<AuditLog>> a = AuditLog::Open(dir.File("audit.db"));
    REQUIRE(a.ok());
    audit = std::move(a).value();
    Result<std::unique_ptr<Accounts>> opened =
        Accounts::Open(dir.File("accounts.db"), options, clock, *audit);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    accounts = std::move(opened).value();
  }
  User MustAdd(const std::string& name, RoleSet roles, const std::string& password = kPassword) {
    Result<User> u = accounts->AddUser(Cli(), name, "", password, roles);
    INFO(u.status().ToString());
    REQUIRE(u.ok());
    return std::move(u).value();
  }
  Session MustLogin(const std::string& name, const std::string& remote = "192.0.2.1") {
    Result<Session> s = accounts->Login(name, kPassword, remote);
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    return std::move(s).value();
  }
  std::string MustToken(const std::string& user, const std::string& name, RoleSet scopes) {
    Result<std::string> t = accounts->CreateToken(Cli(), user, name, scopes);
    INFO(t.status().ToString());
    REQUIRE(t.ok());
    return std::move(t).value();
  }
  std::vector<AuditRecord> AuditAll() {
    AuditFilter f;
    f.limit = 100000;
    return Must(audit->List(f));
  }
};

TEST_CASE("accounts store an argon2id hash of the password, never the password itself",
          "[accounts][security]") {
  AccountsFixture f;
  User u = f.MustAdd("alice", {Role::kEditor});
  CHECK(u.id > 0);
  CHECK(u.display_name == "alice");
  CHECK(u.created_ms == kT0);
  f.accounts.reset();
  std::string bytes = testing::ReadText(f.dir.File("accounts.db")) +
                      testing::ReadText(f.dir.File("accounts.db-wal"));
  CHECK(bytes.find("$argon2id$v=19$m=1024,t=1,p=1$") != std::string::npos);
  CHECK(bytes.find(kPassword) == std::string::npos);
}

TEST_CASE("login answers the same for a wrong password and an unknown user", "[accounts][login]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  Result<Session> ok = f.accounts->Login("alice", kPassword, "192.0.2.1");
  REQUIRE(ok.ok());
  CHECK(ok->who.username == "alice");
  CHECK(ok->who.via == Principal::Via::kSession);
  CHECK(ok->who.roles == RoleSet{Role::kEditor});
  CHECK(ok->expires_ms == kT0 + 8 * 3600 * 1000LL);
  Result<Session> wrong = f.accounts->Login("alice", kPassword + "x", "192.0.2.1");
  Result<Session> unknown = f.accounts->Login("bob", kPassword, "192.0.2.1");
  REQUIRE_FALSE(wrong.ok());
  REQUIRE_FALSE(unknown.ok());
  CHECK(wrong.status().code() == Code::kUnauthenticated);
  CHECK(unknown.status().code() == Code::kUnauthenticated);
  CHECK(wrong.status().message() == unknown.status().message());
  CHECK(wrong.status().message() == "wrong username or password");
  CHECK(Must(f.accounts->FindUser("alice"))->last_login_ms == kT0);
}

TEST_CASE("account input rules reject bad usernames and passwords, naming the field",
          "[accounts][validation]") {
  AccountsFixture f;
  for (const std::string& bad :
       std::vector<std::string>{"a", "Alice", "al ice", "al/ice", std::string(33, 'a'), "张三"}) {
    Result<User> u = f.accounts->AddUser(Cli(), bad, "", kPassword, {Role::kEditor});
    INFO(bad);
    REQUIRE_FALSE(u.ok());
    CHECK(u.status().code() == Code::kInvalidArgument);
    CHECK_THAT(u.status().message(), Catch::StartsWith("username:"));
  }
  for (const std::string& bad :
       {std::string("short"), std::string(9, 'x'), std::string(257, 'x')}) {
    Result<User> u = f.accounts->AddUser(Cli(), "alice", "", bad, {Role::kEditor});
    REQUIRE_FALSE(u.ok());
    CHECK_THAT(u.status().message(), Catch::StartsWith("password:"));
  }
  CHECK(f.accounts->AddUser(Cli(), "a.b_c-9", "", std::string(10, 'x'), {}).ok());
  CHECK(f.accounts->AddUser(Cli(), "zz", "", std::string(256, 'x'), {}).ok());
  Result<User> dup = f.accounts->AddUser(Cli(), "zz", "", kPassword, {});
  CHECK(dup.status().code() == Code::kAlreadyExists);
  CHECK_THAT(dup.status().message(), Catch::StartsWith("username:"));
  Status pw = f.accounts->SetPassword(Cli(), "zz", "short");
  CHECK_THAT(pw.message(), Catch::StartsWith("password:"));
  CHECK(f.accounts->SetRoles(Cli(), "nobody", {}).code() == Code::kNotFound);
  CHECK(Must(f.accounts->UserCount()) == 2);
}

TEST_CASE("login is throttled after 5 failures for a user until the window has passed",
          "[accounts][login][throttle]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  for (int i = 0; i < 5; ++i) {
    f.clock.Advance(1000);
    CHECK(f.accounts->Login("alice", "wrong password", "192.0.2.1").status().code() ==
          Code::kUnauthenticated);
  }
  // The right password from another address is refused too, unchecked.
  Result<Session> refused = f.accounts->Login("alice", kPassword, "198.51.100.7");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kResourceExhausted);
  // The first failure (at kT0+1s) leaves the window at kT0+1s+15min.
  CHECK_THAT(refused.status().message(), Catch::Contains("try again in 896 s"));
  f.clock.Set(kT0 + 1000 + 15 * kMinute - 1);
  CHECK(f.accounts->Login("alice", kPassword, "192.0.2.1").status().code() ==
        Code::kResourceExhausted);
  f.clock.Set(kT0 + 1000 + 15 * kMinute);
  CHECK(f.accounts->Login("alice", kPassword, "192.0.2.1").ok());
}

TEST_CASE("a successful login clears the user's failures", "[accounts][login][throttle]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) CHECK_FALSE(f.accounts->Login("alice", "nope nope", "r").ok());
    CHECK(f.accounts->Login("alice", kPassword, "r").ok());
  }
}

TEST_CASE("login is throttled after 20 failures from one remote address",
          "[accounts][login][throttle]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  for (int i = 0; i < 20; ++i) {  // spread over names so no single user is throttled
    CHECK(
        f.accounts->Login("guess" + std::to_string(i), kPassword, "203.0.113.5").status().code() ==
        Code::kUnauthenticated);
  }
  CHECK(f.accounts->Login("alice", kPassword, "203.0.113.5").status().code() ==
        Code::kResourceExhausted);
  CHECK(f.accounts->Login("alice", kPassword, "192.0.2.1").ok());  // another address
  f.clock.Advance(15 * kMinute);
  CHECK(f.accounts->Login("alice", kPassword, "203.0.113.5").ok());
}

TEST_CASE("sessions end after their idle timeout and their absolute lifetime",
          "[accounts][session]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  Session s = f.MustLogin("alice");
  f.clock.Advance(29 * kMinute);
  REQUIRE(Must(f.accounts->ResolveSession(s.id)));
  f.clock.Advance(29 * kMinute);  // touched 29 minutes ago: still alive
  REQUIRE(Must(f.accounts->ResolveSession(s.id)));
  f.clock.Advance(30 * kMinute);
  CHECK_FALSE(Must(f.accounts->ResolveSession(s.id)));

  Session t = f.MustLogin("alice");
  for (base::TimeMs at = 0; at + 20 * kMinute < 8 * 60 * kMinute; at += 20 * kMinute) {
    f.clock.Advance(20 * kMinute);
    REQUIRE(Must(f.accounts->ResolveSession(t.id)));
  }
  f.clock.Set(t.expires_ms);
  CHECK_FALSE(Must(f.accounts->ResolveSession(t.id)));
  CHECK_FALSE(Must(f.accounts->ResolveSession("")));
  CHECK_FALSE(Must(f.accounts->ResolveSession("not a session")));
}

TEST_CASE("sessions survive a reopen and logout ends them", "[accounts][session]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  Session s = f.MustLogin("alice");
  f.Reopen();
  std::optional<Session> again = Must(f.accounts->ResolveSession(s.id));
  REQUIRE(again);
  CHECK(again->csrf == s.csrf);
  CHECK(again->who.username == "alice");
  REQUIRE(f.accounts->Logout(s.id).ok());
  CHECK_FALSE(Must(f.accounts->ResolveSession(s.id)));
}

TEST_CASE("the CSRF check accepts only the session's own token", "[accounts][session][csrf]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  Session a = f.MustLogin("alice");
  Session b = f.MustLogin("alice");
  CHECK(a.csrf.size() == 64);
  CHECK(a.csrf != b.csrf);
  CHECK(Accounts::CheckCsrf(a, a.csrf));
  CHECK_FALSE(Accounts::CheckCsrf(a, b.csrf));
  CHECK_FALSE(Accounts::CheckCsrf(a, ""));
  CHECK_FALSE(Accounts::CheckCsrf(a, a.csrf.substr(1)));
  CHECK_FALSE(Accounts::CheckCsrf(Session{}, ""));
  std::optional<Session> resolved = Must(f.accounts->ResolveSession(a.id));
  REQUIRE(resolved);
  CHECK(Accounts::CheckCsrf(*resolved, a.csrf));
}

TEST_CASE("a disabled user cannot log in and its sessions and tokens stop working",
          "[accounts][security]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  Session s = f.MustLogin("alice");
  std::string token = f.MustToken("alice", "alice-bot", {Role::kEditor});
  REQUIRE(Must(f.accounts->ResolveBearer("Bearer " + token)));
  REQUIRE(f.accounts->SetDisabled(Cli(), "alice", true).ok());
  CHECK(Must(f.accounts->FindUser("alice"))->disabled);
  CHECK_FALSE(Must(f.accounts->ResolveSession(s.id)));
  CHECK_FALSE(Must(f.accounts->ResolveBearer("Bearer " + token)));
  Result<Session> login = f.accounts->Login("alice", kPassword, "192.0.2.1");
  CHECK(login.status().code() == Code::kPermissionDenied);
  // A wrong password does not reveal that the account is disabled.
  CHECK(f.accounts->Login("alice", "wrong password", "192.0.2.1").status().code() ==
        Code::kUnauthenticated);
  REQUIRE(f.accounts->SetDisabled(Cli(), "alice", false).ok());
  CHECK(Must(f.accounts->ResolveBearer("Bearer " + token)));
  CHECK_FALSE(Must(f.accounts->ResolveSession(s.id)));  // disabling ended it for good
  CHECK(f.accounts->Login("alice", kPassword, "192.0.2.1").ok());
}

TEST_CASE("a token acts only within both its scopes and its user's current roles",
          "[accounts][token][security]") {
  AccountsFixture f;
  f.MustAdd("rita", {Role::kReviewer, Role::kApprover});
  std::string token = f.MustToken("rita", "rita-review", {Role::kReviewer});
  CHECK(token.rfind("zq_", 0) == 0);
  std::optional<Principal> p = Must(f.accounts->ResolveBearer("Bearer " + token));
  REQUIRE(p);
  CHECK(p->via == Principal::Via::kToken);
  CHECK(p->token_name == "rita-review");
  CHECK(p->AuditName() == "rita (token rita-review)");
  CHECK(p->Can(Permission::kReview));
  CHECK_FALSE(p->Can(Permission::kApprove));
  CHECK(Require(*p, Permission::kApprove).code() == Code::kPermissionDenied);

  REQUIRE(f.accounts->SetRoles(Cli(), "rita", {Role::kApprover}).ok());
  p = Must(f.accounts->ResolveBearer("Bearer " + token));
  REQUIRE(p);
  CHECK(p->roles.empty());  // the user lost the role the token was scoped to

  f.MustAdd("rob", {Role::kReviewer});
  Result<std::string> wide =
      f.accounts->CreateToken(Cli(), "rob", "rob-approve", {Role::kReviewer, Role::kApprover});
  REQUIRE_FALSE(wide.ok());
  CHECK(wide.status().code() == Code::kInvalidArgument);
  CHECK_THAT(wide.status().message(), Catch::StartsWith("scopes:"));
  CHECK(f.accounts->CreateToken(Cli(), "rob", "rob-none", {}).status().code() ==
        Code::kInvalidArgument);
  CHECK(f.accounts->CreateToken(Cli(), "rob", "bad name", {Role::kReviewer}).status().code() ==
        Code::kInvalidArgument);
  CHECK(f.accounts->CreateToken(Cli(), "ghost", "x", {Role::kReviewer}).status().code() ==
        Code::kNotFound);
  CHECK(f.accounts->CreateToken(Cli(), "rob", "rita-review", {Role::kReviewer}).status().code() ==
        Code::kAlreadyExists);
}

TEST_CASE("bearer headers that are missing, malformed, unknown or revoked are refused",
          "[accounts][token]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  std::string token = f.MustToken("alice", "ci", {Role::kEditor});
  CHECK(Must(f.accounts->ResolveBearer("Bearer " + token)));
  for (const std::string& bad :
       std::vector<std::string>{"", "Bearer ", "Bearer wrong", token, "Basic " + token,
                                "Bearer " + token + "x", "bearer" + token}) {
    INFO(bad);
    CHECK_FALSE(Must(f.accounts->ResolveBearer(bad)));
  }
  f.clock.Advance(5000);
  REQUIRE(Must(f.accounts->ResolveBearer("Bearer " + token)));
  std::vector<TokenInfo> list = Must(f.accounts->Tokens());
  REQUIRE(list.size() == 1);
  CHECK(list[0].name == "ci");
  CHECK(list[0].username == "alice");
  CHECK(list[0].scopes == RoleSet{Role::kEditor});
  CHECK(list[0].created_ms == kT0);
  CHECK(list[0].last_used_ms == kT0 + 5000);
  REQUIRE(f.accounts->RevokeToken(Cli(), "ci").ok());
  CHECK_FALSE(Must(f.accounts->ResolveBearer("Bearer " + token)));
  CHECK(Must(f.accounts->Tokens())[0].revoked);
  CHECK(f.accounts->RevokeToken(Cli(), "ci").code() == Code::kFailedPrecondition);
  CHECK(f.accounts->RevokeToken(Cli(), "nope").code() == Code::kNotFound);
}

TEST_CASE("users manage their own tokens; other tokens need the admin role",
          "[accounts][token][permissions]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor, Role::kReviewer});
  f.MustAdd("bob", {Role::kEditor});
  Principal alice = f.MustLogin("alice").who;
  Principal bob = f.MustLogin("bob").who;
  CHECK(f.accounts->CreateToken(alice, "alice", "mine", {Role::kReviewer}).ok());
  Result<std::string> for_bob = f.accounts->CreateToken(alice, "bob", "bobs", {Role::kEditor});
  CHECK(for_bob.status().code() == Code::kPermissionDenied);
  CHECK_THAT(for_bob.status().message(), Catch::Contains("token.manage needs the admin role"));
  // A token principal may not mint a wider token for its own user.
  std::string narrow = f.MustToken("alice", "narrow", {Role::kEditor});
  std::optional<Principal> via_token = Must(f.accounts->ResolveBearer("Bearer " + narrow));
  REQUIRE(via_token);
  CHECK(f.accounts->CreateToken(*via_token, "alice", "wider", {Role::kReviewer}).status().code() ==
        Code::kPermissionDenied);
  CHECK(f.accounts->RevokeToken(bob, "mine").code() == Code::kPermissionDenied);
  CHECK(f.accounts->RevokeToken(alice, "mine").ok());

  f.MustAdd("root", {Role::kAdmin});
  Principal admin = f.MustLogin("root").who;
  CHECK(f.accounts->CreateToken(admin, "bob", "bobs", {Role::kEditor}).ok());
  CHECK(f.accounts->RevokeToken(admin, "bobs").ok());
}

TEST_CASE("managing users needs the admin role, except changing one's own password",
          "[accounts][permissions]") {
  AccountsFixture f;
  f.MustAdd("ed", {Role::kEditor});
  f.MustAdd("root", {Role::kAdmin});
  Principal ed = f.MustLogin("ed").who;
  Principal root = f.MustLogin("root").who;
  Result<User> add = f.accounts->AddUser(ed, "eve", "", kPassword, {Role::kAdmin});
  REQUIRE_FALSE(add.ok());
  CHECK(add.status().code() == Code::kPermissionDenied);
  CHECK_THAT(add.status().message(), Catch::Contains("user.manage needs the admin role"));
  CHECK(f.accounts->SetRoles(ed, "ed", RoleSet(RoleSet::kAll)).code() == Code::kPermissionDenied);
  CHECK(f.accounts->SetDisabled(ed, "root", true).code() == Code::kPermissionDenied);
  CHECK(f.accounts->SetPassword(ed, "root", "a new password").code() == Code::kPermissionDenied);
  CHECK_FALSE(Must(f.accounts->FindUser("eve")));
  CHECK(Must(f.accounts->FindUser("ed"))->roles == RoleSet{Role::kEditor});

  CHECK(f.accounts->SetPassword(ed, "ed", "a new password").ok());
  CHECK(f.accounts->Login("ed", "a new password", "r").ok());
  CHECK(f.accounts->AddUser(root, "eve", "伊娃", kPassword, {Role::kReviewer}).ok());
  CHECK(Must(f.accounts->FindUser("eve"))->display_name == "伊娃");
  CHECK(f.accounts->SetRoles(root, "eve", {Role::kEditor}).ok());
  CHECK(Must(f.accounts->FindUser("eve"))->roles == RoleSet{Role::kEditor});
  CHECK(Must(f.accounts->FindUserById(Must(f.accounts->FindUser("eve"))->id))->username == "eve");
  std::vector<User> users = Must(f.accounts->Users());
  REQUIRE(users.size() == 3);
  CHECK(users[0].username == "ed");  // by username
}

TEST_CASE("a user without a password can never log in", "[accounts][login][security]") {
  AccountsFixture f;
  REQUIRE(f.accounts->AddUser(Cli(), "automation", "", "", RoleSet{Role::kAdmin}).ok());
  CHECK(f.accounts->Login("automation", "", "r").status().code() == Code::kUnauthenticated);
  CHECK(f.accounts->Login("automation", kPassword, "r").status().code() == Code::kUnauthenticated);
  // It still owns tokens.
  std::string t = f.MustToken("automation", "deploy", {Role::kAdmin});
  CHECK(Must(f.accounts->ResolveBearer("Bearer " + t))->Can(Permission::kPublishDirect));
}

TEST_CASE("every account change is audited by its actor and no secret reaches the audit log",
          "[accounts][audit][security]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  REQUIRE(f.accounts->SetRoles(Cli(), "alice", {Role::kEditor, Role::kReviewer}).ok());
  REQUIRE(f.accounts->SetPassword(Cli(), "alice", "second password").ok());
  REQUIRE(f.accounts->SetDisabled(Cli(), "alice", true).ok());
  REQUIRE(f.accounts->SetDisabled(Cli(), "alice", false).ok());
  Result<Session> s = f.accounts->Login("alice", "second password", "192.0.2.1");
  REQUIRE(s.ok());
  for (int i = 0; i < 5; ++i) (void)f.accounts->Login("alice", "wrong password", "192.0.2.9");
  (void)f.accounts->Login("alice", "second password", "192.0.2.9");  // throttled
  std::string token = f.MustToken("alice", "bot", {Role::kReviewer});
  REQUIRE(f.accounts->RevokeToken(s->who, "bot").ok());
  REQUIRE(f.accounts->Logout(s->id).ok());

  std::vector<AuditRecord> records = f.AuditAll();
  std::multiset<std::string> actions;
  for (const AuditRecord& r : records) {
    actions.insert(r.action);
    for (const std::string& secret :
         {kPassword, std::string("second password"), std::string("wrong password"), token,
          token.substr(3), s->id, s->csrf}) {
      INFO(r.action << " " << r.detail);
      CHECK(r.detail.find(secret) == std::string::npos);
      CHECK(r.actor.find(secret) == std::string::npos);
      CHECK(r.object.find(secret) == std::string::npos);
    }
  }
  for (const char* a : {"user.add", "user.roles", "user.password", "user.disable", "user.enable",
                        "login.ok", "login.throttled", "token.create", "token.revoke", "logout"}) {
    INFO(a);
    CHECK(actions.count(a) == 1);
  }
  CHECK(actions.count("login.failed") == 5);
  AuditFilter by_alice;
  by_alice.actor = "alice";
  std::vector<AuditRecord> mine = Must(f.audit->List(by_alice));
  REQUIRE(mine.size() == 3);  // newest first: logout, token.revoke, login.ok
  CHECK(mine[0].action == "logout");
  CHECK(mine[1].action == "token.revoke");
  CHECK(mine[2].action == "login.ok");
  CHECK(mine[2].detail == R"({"remote":"192.0.2.1"})");
  AuditFilter adds;
  adds.action_prefix = "user.add";
  REQUIRE(Must(f.audit->List(adds)).size() == 1);
  CHECK(Must(f.audit->List(adds))[0].actor == "cli:test");
  CHECK(Must(f.audit->List(adds))[0].object == "user:alice");
  CHECK(Must(f.audit->Verify()).ok());
}

// ---- A failing accounts.db is an error, never a plausible answer ----------

TEST_CASE("a users table that cannot be read is an error, not an unknown user or an empty list",
          "[accounts][store]") {
  AccountsFixture f;
  User alice = f.MustAdd("alice", {Role::kEditor});
  testing::BreakDb(f.dir.File("accounts.db"), "DROP TABLE users");
  for (const Status& s :
       {f.accounts->FindUser("alice").status(), f.accounts->FindUserById(alice.id).status(),
        f.accounts->Users().status(), f.accounts->UserCount().status(),
        f.accounts->SetRoles(Cli(), "alice", {Role::kAdmin}),
        f.accounts->SetPassword(Cli(), "alice", "a new password"),
        f.accounts->AddUser(Cli(), "bob", "", kPassword, {}).status()}) {
    INFO(s.ToString());
    CHECK(s.code() == Code::kIoError);
    CHECK_THAT(s.message(), Catch::Contains("no such table: users"));
  }
  // Not "wrong username or password": the user may well exist.
  Result<Session> login = f.accounts->Login("alice", kPassword, "192.0.2.1");
  CHECK(login.status().code() == Code::kIoError);
}

TEST_CASE("a session or token lookup that fails is an error, not a logged-out visitor",
          "[accounts][store][security]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  Session s = f.MustLogin("alice");
  std::string token = f.MustToken("alice", "ci", {Role::kEditor});
  testing::BreakDb(f.dir.File("accounts.db"), "DROP TABLE sessions; DROP TABLE api_tokens");
  Result<std::optional<Session>> session = f.accounts->ResolveSession(s.id);
  CHECK(session.status().code() == Code::kIoError);
  CHECK(f.accounts->Logout(s.id).code() == Code::kIoError);
  Result<std::optional<Principal>> bearer = f.accounts->ResolveBearer("Bearer " + token);
  CHECK(bearer.status().code() == Code::kIoError);
  CHECK(f.accounts->Tokens().status().code() == Code::kIoError);
  // A header that is not a bearer token needs no lookup: still plainly "nobody".
  CHECK_FALSE(Must(f.accounts->ResolveBearer("Basic x")));
  CHECK_FALSE(Must(f.accounts->ResolveSession("")));
}

TEST_CASE("a login whose throttle cannot be read or written is refused with the store's error",
          "[accounts][store][throttle][security]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  testing::BreakDb(f.dir.File("accounts.db"), "DROP TABLE login_failures");
  // Before, an unreadable throttle counted as "not throttled" and a failure
  // that could not be recorded was forgotten: guessing went on unlimited.
  for (const std::string& password : {std::string("wrong password"), kPassword}) {
    Result<Session> s = f.accounts->Login("alice", password, "192.0.2.1");
    INFO(s.status().ToString());
    CHECK(s.status().code() == Code::kIoError);
    CHECK_THAT(s.status().message(), Catch::Contains("login_failures"));
  }
}

TEST_CASE("a stored role mask with an unknown bit is corruption naming the column and value",
          "[accounts][store]") {
  AccountsFixture f;
  f.MustAdd("alice", {Role::kEditor});
  f.MustAdd("bob", {Role::kEditor});
  std::string token = f.MustToken("bob", "ci", {Role::kEditor});
  testing::BreakDb(f.dir.File("accounts.db"),
                   "UPDATE users SET roles = 17 WHERE username = 'alice';"
                   "UPDATE api_tokens SET scopes = 64 WHERE name = 'ci'");
  Result<std::optional<User>> alice = f.accounts->FindUser("alice");
  REQUIRE_FALSE(alice.ok());
  CHECK(alice.status().code() == Code::kCorruption);
  CHECK_THAT(alice.status().message(),
             Catch::Contains("users.roles") && Catch::Contains("'alice'") && Catch::Contains("17"));
  CHECK(f.accounts->Users().status().code() == Code::kCorruption);
  CHECK(Must(f.accounts->FindUser("bob"))->roles == RoleSet{Role::kEditor});
  Result<std::vector<TokenInfo>> tokens = f.accounts->Tokens();
  CHECK(tokens.status().code() == Code::kCorruption);
  CHECK_THAT(tokens.status().message(),
             Catch::Contains("api_tokens.scopes") && Catch::Contains("64"));
  CHECK(f.accounts->ResolveBearer("Bearer " + token).status().code() == Code::kCorruption);
}

}  // namespace
}  // namespace zhanqun::staff
