// Staff accounts (accounts.db): users with roles and argon2id password
// hashes, login throttling, browser sessions with CSRF tokens, and API tokens
// with scopes. Every change is written to the audit log by the caller's
// Principal.
//
// Secrets: passwords are stored only as argon2id encoded hashes (t=3,
// m=64 MiB, p=1); session ids, CSRF tokens and API tokens are 32 random bytes
// (base64url), stored only as their SHA-256. Nothing secret is ever logged.
//
// Throttling: after 5 failed logins for one username (or 20 from one remote
// address) within 15 minutes, further attempts are refused without checking
// the password until the window has passed; kResourceExhausted says when.
//
// Store errors: every method returns a failure of accounts.db (kIoError, or
// kCorruption for an unreadable file or a row holding an unknown role bit)
// as its Status; a lookup never turns one into "no such user", "no session"
// or an empty list.
//
// Thread-safe.
#ifndef ZHANQUN_STAFF_ACCOUNTS_H_
#define ZHANQUN_STAFF_ACCOUNTS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/status.h"
#include "zhanqun/staff/audit.h"
#include "zhanqun/staff/roles.h"

namespace zhanqun::sql {
class Db;
}

namespace zhanqun::staff {

struct User {
  std::int64_t id = 0;
  std::string username;  // [a-z0-9._-]{2,32}
  std::string display_name;
  RoleSet roles;
  bool disabled = false;
  base::TimeMs created_ms = 0, last_login_ms = 0;
};

struct Session {
  std::string id;    // the cookie value (only returned by Login)
  std::string csrf;  // the per-session CSRF token every form must echo
  Principal who;
  base::TimeMs expires_ms = 0;
};

struct TokenInfo {
  std::string name;
  std::string username;
  RoleSet scopes;
  base::TimeMs created_ms = 0, last_used_ms = 0;
  bool revoked = false;
};

struct AccountsOptions {
  int session_ttl_s = 8 * 3600;  // absolute lifetime of a session
  int session_idle_s = 30 * 60;  // idle timeout
  int throttle_user_failures = 5;
  int throttle_remote_failures = 20;
  int throttle_window_s = 15 * 60;
  // argon2id cost; tests lower it (the defaults take ~0.1 s per hash).
  std::uint32_t argon2_t_cost = 3, argon2_m_cost_kib = 64 * 1024;
};

class Accounts {
 public:
  static base::Result<std::unique_ptr<Accounts>> Open(const std::string& path,
                                                      const AccountsOptions& options,
                                                      const base::Clock& clock, AuditLog& audit);
  ~Accounts();

  // Users. Password rules: 10..256 bytes; an empty password makes a system
  // user that can never log in (it only holds tokens). Errors name the field.
  // Needs kUserManage (the CLI may do anything); SetPassword also lets a
  // session principal change its own password, and ends the user's sessions.
  base::Result<User> AddUser(const Principal& by, const std::string& username,
                             const std::string& display_name, const std::string& password,
                             RoleSet roles);
  base::Status SetRoles(const Principal& by, const std::string& username, RoleSet roles);
  base::Status SetPassword(const Principal& by, const std::string& username,
                           const std::string& password);
  base::Status SetDisabled(const Principal& by, const std::string& username, bool disabled);
  // nullopt when there is no such user.
  base::Result<std::optional<User>> FindUser(const std::string& username);
  base::Result<std::optional<User>> FindUserById(std::int64_t id);
  // By username.
  base::Result<std::vector<User>> Users();
  base::Result<std::size_t> UserCount();

  // Checks the password (constant-time compare inside argon2), applies the
  // throttle, records success or failure in the audit log, and opens a
  // session. kUnauthenticated ("wrong username or password", never which),
  // kResourceExhausted when throttled, kPermissionDenied when disabled; a
  // store or audit failure (also while recording a failed attempt) as is.
  base::Result<Session> Login(const std::string& username, const std::string& password,
                              const std::string& remote);
  // The session for a cookie value, if valid and not expired; touches it.
  // nullopt for an unknown, expired or idle session or a disabled user.
  base::Result<std::optional<Session>> ResolveSession(const std::string& session_id);
  // True when `csrf` matches the session's token (constant time).
  static bool CheckCsrf(const Session& s, const std::string& csrf);
  // Ends the session and audits it; OK (doing nothing) for a session that
  // is no longer valid.
  base::Status Logout(const std::string& session_id);

  // API tokens: returns the secret once ("zq_" + base64url). `scopes` must be
  // a subset of the user's roles when created.
  base::Result<std::string> CreateToken(const Principal& by, const std::string& username,
                                        const std::string& name, RoleSet scopes);
  base::Status RevokeToken(const Principal& by, const std::string& name);
  // By name.
  base::Result<std::vector<TokenInfo>> Tokens();
  // From "Authorization: Bearer <secret>"; nullopt when missing, unknown,
  // revoked or the user is disabled. Effective roles = scopes ∩ user roles.
  base::Result<std::optional<Principal>> ResolveBearer(const std::string& authorization_header);

 private:
  struct Impl;
  explicit Accounts(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhanqun::staff

#endif  // ZHANQUN_STAFF_ACCOUNTS_H_
