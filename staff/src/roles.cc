#include "zhanqun/staff/roles.h"

#include <array>

#include "zhanqun/base/strings.h"

namespace zhanqun::staff {

using base::Result;
using base::Status;

namespace {

constexpr std::array<Role, 4> kRoles = {Role::kEditor, Role::kReviewer, Role::kApprover,
                                        Role::kAdmin};

struct PermissionInfo {
  Permission permission;
  Role role;
  const char* name;
};

constexpr std::array<PermissionInfo, 15> kPermissions = {{
    {Permission::kDraftCreate, Role::kEditor, "draft.create"},
    {Permission::kDraftEdit, Role::kEditor, "draft.edit"},
    {Permission::kReview, Role::kReviewer, "review"},
    {Permission::kApprove, Role::kApprover, "approve"},
    {Permission::kPublish, Role::kApprover, "publish"},
    {Permission::kWithdraw, Role::kApprover, "withdraw"},
    {Permission::kRepeal, Role::kApprover, "repeal"},
    {Permission::kAmend, Role::kEditor, "amend"},
    {Permission::kPublishDirect, Role::kAdmin, "publish.direct"},
    {Permission::kUserManage, Role::kAdmin, "user.manage"},
    {Permission::kTokenManage, Role::kAdmin, "token.manage"},
    {Permission::kNodeManage, Role::kAdmin, "node.manage"},
    {Permission::kTopicManage, Role::kAdmin, "topic.manage"},
    {Permission::kSourceManage, Role::kAdmin, "source.manage"},
    {Permission::kAuditRead, Role::kAdmin, "audit.read"},
}};

const PermissionInfo& Info(Permission p) {
  for (const PermissionInfo& i : kPermissions) {
    if (i.permission == p) return i;
  }
  return kPermissions[0];  // unreachable: every enumerator is listed
}

std::string Trim(std::string_view s) { return std::string(base::TrimAscii(s)); }

}  // namespace

RoleSet::RoleSet(std::initializer_list<Role> roles) {
  for (Role r : roles) Add(r);
}

std::vector<std::string> RoleSet::Names() const {
  std::vector<std::string> out;
  for (Role r : kRoles) {
    if (Has(r)) out.emplace_back(RoleName(r));
  }
  return out;
}

std::string RoleSet::ToString() const {
  std::string out;
  for (const std::string& n : Names()) out += (out.empty() ? "" : ",") + n;
  return out;
}

const char* RoleName(Role r) {
  switch (r) {
    case Role::kEditor:
      return "editor";
    case Role::kReviewer:
      return "reviewer";
    case Role::kApprover:
      return "approver";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

const char* RoleLabel(Role r) {
  switch (r) {
    case Role::kEditor:
      return "编辑";
    case Role::kReviewer:
      return "审核";
    case Role::kApprover:
      return "签发";
    case Role::kAdmin:
      return "管理员";
  }
  return "?";
}

Result<RoleSet> ParseRoles(const std::string& text) {
  RoleSet out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string name =
        Trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (name == "all") {
      out = RoleSet(RoleSet::kAll);
    } else if (!name.empty()) {
      bool found = false;
      for (Role r : kRoles) {
        if (name == RoleName(r)) {
          out.Add(r);
          found = true;
        }
      }
      if (!found) {
        return Status::Invalid("roles: unknown role '" + name +
                               "'; expected editor, reviewer, approver, admin or all");
      }
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Role RequiredRole(Permission p) { return Info(p).role; }
const char* PermissionName(Permission p) { return Info(p).name; }

const std::vector<Permission>& AllPermissions() {
  static const std::vector<Permission> kAll = [] {
    std::vector<Permission> v;
    for (const PermissionInfo& i : kPermissions) v.push_back(i.permission);
    return v;
  }();
  return kAll;
}

std::string Principal::AuditName() const {
  if (via == Via::kToken) return username + " (token " + token_name + ")";
  return username;
}

Status Require(const Principal& who, Permission p) {
  if (who.Can(p)) return Status::Ok();
  std::string have = who.roles.ToString();
  return Status(base::Code::kPermissionDenied,
                std::string(PermissionName(p)) + " needs the " + RoleName(RequiredRole(p)) +
                    " role; " + who.AuditName() + " has " + (have.empty() ? "none" : have) +
                    (who.via == Principal::Via::kToken ? " through this token" : ""));
}

}  // namespace zhanqun::staff
