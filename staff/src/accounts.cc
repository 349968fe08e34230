// Accounts: opening accounts.db, and the users table.
#include "zhanqun/staff/accounts.h"

#include <nlohmann/json.hpp>

#include "accounts_internal.h"

namespace zhanqun::staff {

using accounts_internal::UserRow;
using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      R"sql(
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
  id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
  roles INTEGER NOT NULL, password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL, last_login_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE sessions (
  id_sha256 TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id),
  created_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE login_failures (username TEXT NOT NULL, remote TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE INDEX login_failures_by_user ON login_failures (username, at_ms);
CREATE INDEX login_failures_by_remote ON login_failures (remote, at_ms);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, user_id INTEGER NOT NULL REFERENCES users (id),
  sha256 TEXT NOT NULL UNIQUE, scopes INTEGER NOT NULL, created_ms INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0);
)sql",
  };
  return kMigrations;
}

constexpr const char* kUserColumns =
    "SELECT id, username, display_name, roles, password_hash, disabled, created_ms, "
    "last_login_ms FROM users ";

Result<UserRow> UserFromRow(sql::Stmt& st) {
  UserRow r;
  r.user.id = st.Int(0);
  r.user.username = st.Text(1);
  r.user.display_name = st.Text(2);
  Result<RoleSet> roles = accounts_internal::RolesFromColumn("users.roles", st.Int(3),
                                                             "user '" + r.user.username + "'");
  if (!roles.ok()) return roles.status();
  r.user.roles = *roles;
  r.password_hash = st.Text(4);
  r.user.disabled = st.Int(5) != 0;
  r.user.created_ms = st.Int(6);
  r.user.last_login_ms = st.Int(7);
  return r;
}

// The per-install CSRF key, created on first open.
Result<std::string> LoadCsrfKey(sql::Db& db) {
  Result<sql::Stmt> ins =
      db.Prepare("INSERT OR IGNORE INTO settings (name, value) VALUES ('csrf_key', ?1)");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, accounts_internal::RandomSecret(32));
  ZQ_RETURN_IF_ERROR(ins->Run());
  Result<sql::Stmt> sel = db.Prepare("SELECT value FROM settings WHERE name = 'csrf_key'");
  if (!sel.ok()) return sel.status();
  Result<bool> row = sel->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("accounts: csrf_key setting missing");
  return sel->Text(0);
}

Status NoSuchUser(const std::string& username) {
  return Status::NotFound("username: no user '" + username + "'");
}

}  // namespace

namespace accounts_internal {

Status RequireOrCli(const Principal& by, Permission p) {
  if (by.via == Principal::Via::kCli) return Status::Ok();
  return Require(by, p);
}

Result<RoleSet> RolesFromColumn(const char* column, std::int64_t bits, const std::string& row) {
  if (bits < 0 || bits > RoleSet::kAll) {
    return Status::Corruption(std::string("accounts.db ") + column + " of " + row +
                              ": unknown role bits in " + std::to_string(bits) +
                              " (expected a mask within " + std::to_string(RoleSet::kAll) + ")");
  }
  return RoleSet(static_cast<std::uint8_t>(bits));
}

}  // namespace accounts_internal

Status Accounts::Impl::Audit(const std::string& actor, const std::string& action,
                             const std::string& object, const std::string& detail_json) {
  return audit.Append(clock.NowMs(), actor, action, object, detail_json).status();
}

namespace {

// The one user row `st` selects, if any.
Result<std::optional<UserRow>> OneUser(sql::Stmt& st) {
  Result<bool> row = st.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<UserRow>();
  Result<UserRow> u = UserFromRow(st);
  if (!u.ok()) return u.status();
  return std::optional<UserRow>(std::move(u).value());
}

}  // namespace

Result<std::optional<UserRow>> Accounts::Impl::LoadUser(const std::string& where_sql,
                                                        const std::string& key) {
  Result<sql::Stmt> st = db->Prepare(kUserColumns + where_sql);
  if (!st.ok()) return st.status();
  st->Bind(1, key);
  return OneUser(*st);
}

Result<std::optional<UserRow>> Accounts::Impl::LoadUserById(std::int64_t id) {
  Result<sql::Stmt> st = db->Prepare(std::string(kUserColumns) + "WHERE id = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  return OneUser(*st);
}

Accounts::Accounts(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Accounts::~Accounts() = default;

Result<std::unique_ptr<Accounts>> Accounts::Open(const std::string& path,
                                                 const AccountsOptions& options,
                                                 const base::Clock& clock, AuditLog& audit) {
  Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, Migrations());
  if (!db.ok()) return db.status();
  Result<std::string> key = LoadCsrfKey(**db);
  if (!key.ok()) return key.status().Context("accounts " + path);
  auto impl = std::make_unique<Impl>(std::move(*db), options, clock, audit);
  impl->csrf_key = std::move(*key);
  return std::unique_ptr<Accounts>(new Accounts(std::move(impl)));
}

Result<User> Accounts::AddUser(const Principal& by, const std::string& username,
                               const std::string& display_name, const std::string& password,
                               RoleSet roles) {
  ZQ_RETURN_IF_ERROR(accounts_internal::RequireOrCli(by, Permission::kUserManage));
  ZQ_RETURN_IF_ERROR(accounts_internal::CheckUsername(username));
  if (display_name.size() > 128) {
    return Status::Invalid("display_name: at most 128 bytes, got " +
                           std::to_string(display_name.size()));
  }
  std::string hash;  // empty: a system user that can never log in
  if (!password.empty()) {
    ZQ_RETURN_IF_ERROR(accounts_internal::CheckPassword(password));
    Result<std::string> h = accounts_internal::HashPassword(password, impl_->options);
    if (!h.ok()) return h.status();
    hash = std::move(*h);
  }
  User u;
  u.username = username;
  u.display_name = display_name.empty() ? username : display_name;
  u.roles = roles;
  u.created_ms = impl_->clock.NowMs();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<std::optional<UserRow>> taken = impl_->LoadUser("WHERE username = ?1", username);
    if (!taken.ok()) return taken.status();
    if (*taken) return Status(base::Code::kAlreadyExists, "username: '" + username + "' is taken");
    Result<sql::Stmt> ins = impl_->db->Prepare(
        "INSERT INTO users (username, display_name, roles, password_hash, created_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, u.username).Bind(2, u.display_name).Bind(3, std::int64_t{roles.bits()});
    ins->Bind(4, hash).Bind(5, u.created_ms);
    ZQ_RETURN_IF_ERROR(ins->Run());
    u.id = impl_->db->LastInsertRowId();
  }
  json detail = {
      {"display_name", u.display_name}, {"roles", roles.ToString()}, {"can_log_in", !hash.empty()}};
  ZQ_RETURN_IF_ERROR(impl_->Audit(by.AuditName(), "user.add", "user:" + username, detail.dump()));
  return u;
}

Status Accounts::SetRoles(const Principal& by, const std::string& username, RoleSet roles) {
  ZQ_RETURN_IF_ERROR(accounts_internal::RequireOrCli(by, Permission::kUserManage));
  RoleSet before;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<std::optional<UserRow>> u = impl_->LoadUser("WHERE username = ?1", username);
    if (!u.ok()) return u.status();
    if (!*u) return NoSuchUser(username);
    before = (*u)->user.roles;
    Result<sql::Stmt> st = impl_->db->Prepare("UPDATE users SET roles = ?1 WHERE id = ?2");
    if (!st.ok()) return st.status();
    st->Bind(1, std::int64_t{roles.bits()}).Bind(2, (*u)->user.id);
    ZQ_RETURN_IF_ERROR(st->Run());
  }
  json detail = {{"from", before.ToString()}, {"to", roles.ToString()}};
  return impl_->Audit(by.AuditName(), "user.roles", "user:" + username, detail.dump());
}

Status Accounts::SetPassword(const Principal& by, const std::string& username,
                             const std::string& password) {
  Result<std::optional<User>> found = FindUser(username);
  if (!found.ok()) return found.status();
  if (!*found) return NoSuchUser(username);
  const User& target = **found;
  const bool self = by.via == Principal::Via::kSession && by.user_id == target.id;
  if (!self) ZQ_RETURN_IF_ERROR(accounts_internal::RequireOrCli(by, Permission::kUserManage));
  ZQ_RETURN_IF_ERROR(accounts_internal::CheckPassword(password));
  Result<std::string> hash = accounts_internal::HashPassword(password, impl_->options);
  if (!hash.ok()) return hash.status();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    sql::Transaction txn(*impl_->db);
    ZQ_RETURN_IF_ERROR(txn.status());
    Result<sql::Stmt> st = impl_->db->Prepare("UPDATE users SET password_hash = ?1 WHERE id = ?2");
    if (!st.ok()) return st.status();
    st->Bind(1, *hash).Bind(2, target.id);
    ZQ_RETURN_IF_ERROR(st->Run());
    // A new password ends every open session of the user (a reset usually
    // follows a suspected compromise).
    Result<sql::Stmt> del = impl_->db->Prepare("DELETE FROM sessions WHERE user_id = ?1");
    if (!del.ok()) return del.status();
    del->Bind(1, target.id);
    ZQ_RETURN_IF_ERROR(del->Run());
    ZQ_RETURN_IF_ERROR(txn.Commit());
  }
  return impl_->Audit(by.AuditName(), "user.password", "user:" + username,
                      json{{"self", self}}.dump());
}

Status Accounts::SetDisabled(const Principal& by, const std::string& username, bool disabled) {
  ZQ_RETURN_IF_ERROR(accounts_internal::RequireOrCli(by, Permission::kUserManage));
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<std::optional<UserRow>> u = impl_->LoadUser("WHERE username = ?1", username);
    if (!u.ok()) return u.status();
    if (!*u) return NoSuchUser(username);
    const std::int64_t id = (*u)->user.id;
    sql::Transaction txn(*impl_->db);
    ZQ_RETURN_IF_ERROR(txn.status());
    Result<sql::Stmt> st = impl_->db->Prepare("UPDATE users SET disabled = ?1 WHERE id = ?2");
    if (!st.ok()) return st.status();
    st->Bind(1, std::int64_t{disabled ? 1 : 0}).Bind(2, id);
    ZQ_RETURN_IF_ERROR(st->Run());
    if (disabled) {
      Result<sql::Stmt> del = impl_->db->Prepare("DELETE FROM sessions WHERE user_id = ?1");
      if (!del.ok()) return del.status();
      del->Bind(1, id);
      ZQ_RETURN_IF_ERROR(del->Run());
    }
    ZQ_RETURN_IF_ERROR(txn.Commit());
  }
  return impl_->Audit(by.AuditName(), disabled ? "user.disable" : "user.enable", "user:" + username,
                      "{}");
}

Result<std::optional<User>> Accounts::FindUser(const std::string& username) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<std::optional<UserRow>> r = impl_->LoadUser("WHERE username = ?1", username);
  if (!r.ok()) return r.status();
  if (!*r) return std::optional<User>();
  return std::optional<User>((*r)->user);
}

Result<std::optional<User>> Accounts::FindUserById(std::int64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<std::optional<UserRow>> r = impl_->LoadUserById(id);
  if (!r.ok()) return r.status();
  if (!*r) return std::optional<User>();
  return std::optional<User>((*r)->user);
}

Result<std::vector<User>> Accounts::Users() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<sql::Stmt> st = impl_->db->Prepare(std::string(kUserColumns) + "ORDER BY username");
  if (!st.ok()) return st.status();
  std::vector<User> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRowChecked(*st, [&](sql::Stmt& s) {
    Result<UserRow> u = UserFromRow(s);
    if (!u.ok()) return u.status();
    out.push_back(std::move(u->user));
    return Status::Ok();
  }));
  return out;
}

Result<std::size_t> Accounts::UserCount() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<sql::Stmt> st = impl_->db->Prepare("SELECT count(*) FROM users");
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("accounts: count(*) returned no row");
  return static_cast<std::size_t>(st->Int(0));
}

}  // namespace zhanqun::staff
