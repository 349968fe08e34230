// Accounts: API tokens with scopes.
#include <nlohmann/json.hpp>

#include "accounts_internal.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/staff/accounts.h"

namespace zhanqun::staff {

using accounts_internal::RunSql;
using accounts_internal::UserRow;
using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

bool Subset(RoleSet a, RoleSet of) { return a.Intersect(of) == a; }

// Managing tokens needs kTokenManage, except that users may make tokens for
// themselves within the roles they are acting with.
Status MayCreate(const Principal& by, const User& owner, RoleSet scopes) {
  if (by.via == Principal::Via::kCli || by.Can(Permission::kTokenManage)) return Status::Ok();
  if (by.user_id != 0 && by.user_id == owner.id && Subset(scopes, by.roles)) return Status::Ok();
  return Require(by, Permission::kTokenManage);
}

struct TokenRow {
  std::int64_t user_id = 0;
  bool revoked = false;
};

}  // namespace

Result<std::string> Accounts::CreateToken(const Principal& by, const std::string& username,
                                          const std::string& name, RoleSet scopes) {
  ZQ_RETURN_IF_ERROR(accounts_internal::CheckTokenName(name));
  Result<std::optional<User>> found = FindUser(username);
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("username: no user '" + username + "'");
  const std::optional<User>& owner = *found;
  if (owner->disabled) {
    return Status::Precondition("username: the account '" + username + "' is disabled");
  }
  if (scopes.empty()) return Status::Invalid("scopes: a token needs at least one scope");
  if (!Subset(scopes, owner->roles)) {
    std::string has = owner->roles.ToString();
    return Status::Invalid("scopes: '" + scopes.ToString() + "' is not within the roles of " +
                           username + " (" + (has.empty() ? "none" : has) + ")");
  }
  ZQ_RETURN_IF_ERROR(MayCreate(by, *owner, scopes));
  const std::string secret = "zq_" + accounts_internal::RandomSecret(32);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<sql::Stmt> dup = impl_->db->Prepare("SELECT 1 FROM api_tokens WHERE name = ?1");
    if (!dup.ok()) return dup.status();
    dup->Bind(1, name);
    Result<bool> exists = dup->Step();
    if (!exists.ok()) return exists.status();
    if (*exists) {
      return Status(base::Code::kAlreadyExists, "name: a token named '" + name + "' exists");
    }
    ZQ_RETURN_IF_ERROR(RunSql(*impl_->db,
                              "INSERT INTO api_tokens (name, user_id, sha256, scopes, created_ms) "
                              "VALUES (?1, ?2, ?3, ?4, ?5)",
                              name, owner->id, base::Sha256Hex(secret), std::int64_t{scopes.bits()},
                              impl_->clock.NowMs()));
  }
  json detail = {{"user", username}, {"scopes", scopes.ToString()}};
  ZQ_RETURN_IF_ERROR(impl_->Audit(by.AuditName(), "token.create", "token:" + name, detail.dump()));
  return secret;
}

Status Accounts::RevokeToken(const Principal& by, const std::string& name) {
  TokenRow t;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<sql::Stmt> st =
        impl_->db->Prepare("SELECT user_id, revoked FROM api_tokens WHERE name = ?1");
    if (!st.ok()) return st.status();
    st->Bind(1, name);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("name: no token named '" + name + "'");
    t = {st->Int(0), st->Int(1) != 0};
  }
  const bool own = by.user_id != 0 && by.user_id == t.user_id;
  if (!own) ZQ_RETURN_IF_ERROR(accounts_internal::RequireOrCli(by, Permission::kTokenManage));
  if (t.revoked) return Status::Precondition("name: the token '" + name + "' is already revoked");
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    ZQ_RETURN_IF_ERROR(
        RunSql(*impl_->db, "UPDATE api_tokens SET revoked = 1 WHERE name = ?1", name));
  }
  return impl_->Audit(by.AuditName(), "token.revoke", "token:" + name, "{}");
}

Result<std::vector<TokenInfo>> Accounts::Tokens() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<sql::Stmt> st = impl_->db->Prepare(
      "SELECT t.name, u.username, t.scopes, t.created_ms, t.last_used_ms, t.revoked "
      "FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.name");
  if (!st.ok()) return st.status();
  std::vector<TokenInfo> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRowChecked(*st, [&](sql::Stmt& s) {
    Result<RoleSet> scopes = accounts_internal::RolesFromColumn("api_tokens.scopes", s.Int(2),
                                                                "token '" + s.Text(0) + "'");
    if (!scopes.ok()) return scopes.status();
    out.push_back({s.Text(0), s.Text(1), *scopes, s.Int(3), s.Int(4), s.Int(5) != 0});
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<Principal>> Accounts::ResolveBearer(const std::string& header) {
  static const std::string kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() || header.compare(0, kPrefix.size(), kPrefix) != 0) {
    return std::optional<Principal>();
  }
  const std::string hash = base::Sha256Hex(header.substr(kPrefix.size()));
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<sql::Stmt> st = impl_->db->Prepare(
      "SELECT t.name, t.scopes, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id "
      "WHERE t.sha256 = ?1 AND t.revoked = 0 AND u.disabled = 0");
  if (!st.ok()) return st.status();
  st->Bind(1, hash);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Principal>();
  Principal p;
  p.token_name = st->Text(0);
  Result<RoleSet> scopes = accounts_internal::RolesFromColumn("api_tokens.scopes", st->Int(1),
                                                              "token '" + p.token_name + "'");
  if (!scopes.ok()) return scopes.status();
  Result<std::optional<UserRow>> u = impl_->LoadUserById(st->Int(2));
  if (!u.ok()) return u.status();
  if (!*u) return std::optional<Principal>();
  const User& user = (*u)->user;
  p.user_id = user.id;
  p.username = user.username;
  p.display_name = user.display_name;
  p.roles = user.roles.Intersect(*scopes);
  p.via = Principal::Via::kToken;
  ZQ_RETURN_IF_ERROR(RunSql(*impl_->db, "UPDATE api_tokens SET last_used_ms = ?1 WHERE sha256 = ?2",
                            impl_->clock.NowMs(), hash));
  return std::optional<Principal>(std::move(p));
}

}  // namespace zhanqun::staff
