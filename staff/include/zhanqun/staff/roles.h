// Staff roles, the permissions they grant, and the principal a request acts
// as (a logged-in user, an API token, or the local CLI). Plain values; no I/O.
//
// A user holds any set of roles. An API token belongs to a user and carries
// scopes, a subset of role names: a request through a token may do only what
// both the token's scopes and its user's current roles allow. Thread-safe.
#ifndef ZHANQUN_STAFF_ROLES_H_
#define ZHANQUN_STAFF_ROLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"

namespace zhanqun::staff {

enum class Role : std::uint8_t {
  kEditor = 1,    // drafts and edits releases
  kReviewer = 2,  // takes review levels (初审, 复审, ...)
  kApprover = 4,  // final sign-off: publishes, schedules, withdraws, repeals
  kAdmin = 8,     // users, nodes, keys, topics, sources, tokens, audit
};

// A set of roles as a bit mask of Role values.
class RoleSet {
 public:
  RoleSet() = default;
  explicit RoleSet(std::uint8_t bits) : bits_(bits & kAll) {}
  RoleSet(std::initializer_list<Role> roles);
  bool Has(Role r) const { return (bits_ & static_cast<std::uint8_t>(r)) != 0; }
  void Add(Role r) { bits_ = static_cast<std::uint8_t>(bits_ | static_cast<std::uint8_t>(r)); }
  RoleSet Intersect(RoleSet o) const { return RoleSet(static_cast<std::uint8_t>(bits_ & o.bits_)); }
  bool empty() const { return bits_ == 0; }
  std::uint8_t bits() const { return bits_; }
  // "editor,reviewer" in Role order; "" when empty.
  std::string ToString() const;
  std::vector<std::string> Names() const;
  bool operator==(const RoleSet&) const = default;

  static constexpr std::uint8_t kAll = 15;

 private:
  std::uint8_t bits_ = 0;
};

const char* RoleName(Role r);   // "editor", "reviewer", "approver", "admin"
const char* RoleLabel(Role r);  // 编辑, 审核, 签发, 管理员
// Parses "editor,reviewer" (commas, optional spaces; "all" = every role).
// Errors name the unknown role and list the valid ones.
base::Result<RoleSet> ParseRoles(const std::string& text);

// Every action that changes state (and the few reads that are restricted).
// Each maps to exactly one role (RequiredRole); the endpoint × role matrix
// test walks this list.
enum class Permission {
  kDraftCreate,    // editor: new draft, import
  kDraftEdit,      // editor: edit own or any unsubmitted draft, submit, attach
  kReview,         // reviewer: pass or reject at a review level
  kApprove,        // approver: approve or reject after the last level
  kPublish,        // approver: publish now, schedule, cancel a schedule
  kWithdraw,       // approver: withdraw a published release (with a reason)
  kRepeal,         // approver: mark a published policy repealed (废止)
  kAmend,          // editor: open a new version of a published release
  kPublishDirect,  // admin: publish signed JSON without the workflow (automation, audited)
  kUserManage,     // admin
  kTokenManage,    // admin: tokens for any user (users may always list/revoke their own)
  kNodeManage,     // admin: register nodes and keys
  kTopicManage,    // admin: national topics
  kSourceManage,   // admin: upstream sources, poll now
  kAuditRead,      // admin: audit log viewer and verify
};
Role RequiredRole(Permission p);
const char* PermissionName(Permission p);  // "draft.create", ...
const std::vector<Permission>& AllPermissions();

// Who a request acts as. `roles` are the effective roles: for a token, the
// user's roles intersected with the token's scopes.
struct Principal {
  enum class Via { kSession, kToken, kCli };
  std::int64_t user_id = 0;  // 0 for the CLI
  std::string username;      // "cli:<unix user>" for the CLI
  std::string display_name;
  RoleSet roles;
  Via via = Via::kSession;
  std::string token_name;  // when via == kToken
  bool Can(Permission p) const { return roles.Has(RequiredRole(p)); }
  // "alice", "alice (token deploy-bot)", "cli:root": how the audit log names it.
  std::string AuditName() const;
};

// kPermissionDenied naming the permission and the role it needs, or OK.
base::Status Require(const Principal& who, Permission p);

}  // namespace zhanqun::staff

#endif  // ZHANQUN_STAFF_ROLES_H_
