#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "zhanqun/staff/roles.h"

namespace zhanqun::staff {
namespace {

using base::Code;
using base::Result;

TEST_CASE("roles parse from comma lists with spaces, and 'all' means every role", "[roles]") {
  Result<RoleSet> r = ParseRoles("editor, approver");
  REQUIRE(r.ok());
  CHECK(*r == RoleSet({Role::kEditor, Role::kApprover}));
  CHECK(r->ToString() == "editor,approver");
  CHECK(ParseRoles("admin,editor")->ToString() == "editor,admin");  // in Role order
  CHECK(ParseRoles("all")->bits() == RoleSet::kAll);
  CHECK(ParseRoles("")->empty());
  CHECK(ParseRoles(" reviewer ,")->ToString() == "reviewer");
  CHECK(RoleSet().ToString().empty());
  CHECK(RoleSet(0xff).bits() == RoleSet::kAll);  // unknown bits dropped
}

TEST_CASE("an unknown role is refused by name, listing the valid ones", "[roles]") {
  Result<RoleSet> r = ParseRoles("editor,publisher");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::StartsWith("roles:"));
  CHECK_THAT(r.status().message(), Catch::Contains("'publisher'"));
  CHECK_THAT(r.status().message(), Catch::Contains("editor, reviewer, approver, admin"));
  CHECK_FALSE(ParseRoles("Editor").ok());  // names are lowercase
}

TEST_CASE("every permission maps to one role and has a unique dotted name", "[roles]") {
  std::set<std::string> names;
  REQUIRE(AllPermissions().size() == 15);
  for (Permission p : AllPermissions()) {
    Role r = RequiredRole(p);
    CHECK(std::string(RoleName(r)) != "?");
    names.insert(PermissionName(p));
    Principal holder;
    holder.roles = RoleSet{r};
    CHECK(holder.Can(p));
    Principal others;
    others.roles = RoleSet(static_cast<std::uint8_t>(RoleSet::kAll & ~static_cast<int>(r)));
    CHECK_FALSE(others.Can(p));
  }
  CHECK(names.size() == AllPermissions().size());
  CHECK(RequiredRole(Permission::kReview) == Role::kReviewer);
  CHECK(RequiredRole(Permission::kApprove) == Role::kApprover);
  CHECK(RequiredRole(Permission::kDraftCreate) == Role::kEditor);
  CHECK(RequiredRole(Permission::kPublishDirect) == Role::kAdmin);
  CHECK(std::string(RoleLabel(Role::kApprover)) == "签发");
}

TEST_CASE("Require names the permission, the role it needs and what the principal has", "[roles]") {
  Principal alice;
  alice.username = "alice";
  alice.roles = RoleSet{Role::kEditor, Role::kReviewer};
  CHECK(Require(alice, Permission::kReview).ok());
  base::Status s = Require(alice, Permission::kApprove);
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message() == "approve needs the approver role; alice has editor,reviewer");

  Principal bot = alice;
  bot.via = Principal::Via::kToken;
  bot.token_name = "ci";
  bot.roles = RoleSet();
  CHECK(bot.AuditName() == "alice (token ci)");
  CHECK(Require(bot, Permission::kUserManage).message() ==
        "user.manage needs the admin role; alice (token ci) has none through this token");

  Principal cli;
  cli.via = Principal::Via::kCli;
  cli.username = "cli:root";
  CHECK(cli.AuditName() == "cli:root");
}

}  // namespace
}  // namespace zhanqun::staff
