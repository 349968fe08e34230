// Private to the accounts implementation (accounts*.cc): the shared state
// behind Accounts, secret generation and the argon2id wrapper.
#ifndef ZHANQUN_STAFF_SRC_ACCOUNTS_INTERNAL_H_
#define ZHANQUN_STAFF_SRC_ACCOUNTS_INTERNAL_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "zhanqun/sql/sqlite.h"
#include "zhanqun/staff/accounts.h"

namespace zhanqun::staff::accounts_internal {

// `bytes` random bytes from the OpenSSL CSPRNG as unpadded base64url.
std::string RandomSecret(std::size_t bytes);

// argon2id encoded hash ("$argon2id$v=19$m=...") with a 16-byte random salt.
base::Result<std::string> HashPassword(const std::string& password, const AccountsOptions& o);
// Constant-time check inside argon2; false for an empty or malformed hash.
bool VerifyPassword(const std::string& encoded, const std::string& password);

// Errors name the field: "username: ...", "password: ...".
base::Status CheckUsername(const std::string& username);
base::Status CheckPassword(const std::string& password);
base::Status CheckTokenName(const std::string& name);
// The CLI is root on the server and may do anything; others need `p`.
base::Status RequireOrCli(const Principal& by, Permission p);

// Prepares `sql`, binds `args` to ?1, ?2, ... and runs it.
template <typename... Args>
base::Status RunSql(sql::Db& db, const std::string& sql, const Args&... args) {
  base::Result<sql::Stmt> st = db.Prepare(sql);
  if (!st.ok()) return st.status();
  int i = 0;
  (st->Bind(++i, args), ...);
  return st->Run();
}

// The roles stored in `column` (users.roles, api_tokens.scopes) as a bit
// mask; kCorruption naming the column, the row and the value when it holds
// bits of no role.
base::Result<RoleSet> RolesFromColumn(const char* column, std::int64_t bits,
                                      const std::string& row);

// A user row with what only the implementation sees.
struct UserRow {
  User user;
  std::string password_hash;  // "" for system users: they never log in
};

}  // namespace zhanqun::staff::accounts_internal

namespace zhanqun::staff {

struct Accounts::Impl {
  Impl(std::unique_ptr<sql::Db> d, AccountsOptions o, const base::Clock& c, AuditLog& a)
      : db(std::move(d)), options(o), clock(c), audit(a) {}

  // Appends to the audit log; a failure to audit is returned so the caller
  // can report it (the change itself is already committed).
  base::Status Audit(const std::string& actor, const std::string& action, const std::string& object,
                     const std::string& detail_json);
  // nullopt when no row matches; the store's errors otherwise.
  // REQUIRES: mu held.
  base::Result<std::optional<accounts_internal::UserRow>> LoadUser(const std::string& where_sql,
                                                                   const std::string& key);
  base::Result<std::optional<accounts_internal::UserRow>> LoadUserById(std::int64_t id);

  std::mutex mu;  // guards db
  std::unique_ptr<sql::Db> db;
  const AccountsOptions options;
  const base::Clock& clock;
  AuditLog& audit;
  std::string csrf_key;  // per-install HMAC key for CSRF tokens (settings table)
  // Verified against for unknown users, so timing says nothing; made once.
  std::once_flag dummy_once;
  std::string dummy_hash;
};

}  // namespace zhanqun::staff

#endif  // ZHANQUN_STAFF_SRC_ACCOUNTS_INTERNAL_H_
