#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "sql/sql_test_support.h"
#include "test_support.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/staff/staff.h"

namespace zhanqun::staff {
namespace {

using base::Code;
using base::Result;
using testing::Must;
using testing::ReadText;
using testing::TempDir;

struct StaffFixture {
  TempDir dir;
  base::FakeClock clock{1700000000000};
  std::unique_ptr<Staff> staff;
  StaffFixture() {
    AccountsOptions o;
    o.argon2_t_cost = 1;  // keep the suite fast
    o.argon2_m_cost_kib = 1024;
    Result<std::unique_ptr<Staff>> s = Staff::Open(dir.path(), o, clock);
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    staff = std::move(s).value();
  }
};

std::string ReadAll(const std::string& path) { return ReadText(path); }

TEST_CASE("bearer tokens check out and wrong ones are refused", "[staff][auth]") {
  StaffFixture f;
  Principal cli;
  cli.via = Principal::Via::kCli;
  cli.username = "cli:test";
  Result<std::string> token = f.staff->CreateAutomationToken(cli, "ci");
  REQUIRE(token.ok());
  std::optional<Principal> who = Must(f.staff->Authenticate("Bearer " + *token));
  REQUIRE(who);
  CHECK(who->AuditName() == "automation (token ci)");
  CHECK(who->Can(Permission::kPublishDirect));
  CHECK_FALSE(who->Can(Permission::kReview));
  CHECK_FALSE(Must(f.staff->Authenticate("Bearer " + *token + "x")));
  CHECK_FALSE(Must(f.staff->Authenticate("Bearer wrong")));
  CHECK_FALSE(Must(f.staff->Authenticate(*token)));
  CHECK_FALSE(Must(f.staff->Authenticate("Basic " + *token)));
  CHECK_FALSE(Must(f.staff->Authenticate("Bearer ")));
  CHECK_FALSE(Must(f.staff->Authenticate("")));
  CHECK(f.staff->counters().auth_failures == 6);

  Result<std::string> dup = f.staff->CreateAutomationToken(cli, "ci");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().code() == Code::kAlreadyExists);
  CHECK(Must(f.staff->Authenticate("Bearer " + *token)));
  // The system user exists once and can never log in.
  REQUIRE(f.staff->CreateAutomationToken(cli, "ci2").ok());
  CHECK(Must(f.staff->accounts().UserCount()) == 1);
  CHECK(f.staff->accounts().Login("automation", "", "r").status().code() == Code::kUnauthenticated);
}

TEST_CASE("a token store that cannot be read is an error, not a counted refusal",
          "[staff][auth][store]") {
  StaffFixture f;
  Principal cli;
  cli.via = Principal::Via::kCli;
  Result<std::string> token = f.staff->CreateAutomationToken(cli, "ci");
  REQUIRE(token.ok());
  testing::BreakDb(Staff::AccountsDbPath(f.dir.path()), "DROP TABLE api_tokens");
  Result<std::optional<Principal>> who = f.staff->Authenticate("Bearer " + *token);
  CHECK(who.status().code() == Code::kIoError);
  CHECK(f.staff->counters().auth_failures == 0);
  CHECK(f.staff->CreateAutomationToken(cli, "ci2").status().code() == Code::kIoError);
}

TEST_CASE("tokens are stored hashed: the secret is not in the database files",
          "[staff][auth][security]") {
  StaffFixture f;
  Principal cli;
  cli.via = Principal::Via::kCli;
  Result<std::string> token = f.staff->CreateAutomationToken(cli, "ci");
  REQUIRE(token.ok());
  f.staff.reset();  // close, so nothing is held back in memory only
  std::string bytes;
  for (const auto& e : std::filesystem::directory_iterator(f.dir.path())) {
    bytes += ReadAll(e.path().string());
  }
  CHECK(bytes.find(base::Sha256Hex(*token)) != std::string::npos);  // we read the right files
  CHECK(bytes.find(*token) == std::string::npos);
  CHECK(bytes.find(token->substr(3)) == std::string::npos);  // nor without its prefix
}

TEST_CASE("staff opens the audit log and the accounts in the data directory", "[staff]") {
  StaffFixture f;
  CHECK(std::filesystem::exists(Staff::AuditDbPath(f.dir.path())));
  CHECK(std::filesystem::exists(Staff::AccountsDbPath(f.dir.path())));
  CHECK(Staff::AuditDbPath("/d") == "/d/audit.db");
  CHECK(Staff::AccountsDbPath("/d") == "/d/accounts.db");
}

TEST_CASE("the accounts section names every bad setting once, prefixed", "[staff][config]") {
  AccountsOptions o;
  CHECK(ParseAccountsOptions(R"({"session_ttl_s": 3600, "argon2_t_cost": 2})", &o).empty());
  CHECK(o.session_ttl_s == 3600);
  CHECK(o.argon2_t_cost == 2u);
  std::vector<std::string> problems = ParseAccountsOptions(
      R"({"colour": 1, "session_ttl_s": 100, "session_idle_s": 200, "argon2_m_cost_kib": 8})", &o);
  REQUIRE(problems.size() == 3);
  CHECK(problems[0] == "accounts.colour: unknown setting");
  CHECK(problems[1] == "accounts.argon2_m_cost_kib: expected an integer in 1024..4194304");
  CHECK(problems[2] == "accounts.session_idle_s: must not be longer than session_ttl_s (100)");
  AccountsOptions fresh;
  CHECK(ParseAccountsOptions("[]", &fresh) ==
        std::vector<std::string>{"accounts: expected an object"});
}

}  // namespace
}  // namespace zhanqun::staff
