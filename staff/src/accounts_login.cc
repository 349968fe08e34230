// Accounts: login with throttling, browser sessions, CSRF tokens, logout.
//
// CSRF tokens are not stored: each is HMAC-SHA256(per-install key, session
// id), so a session's token can be recomputed from its cookie and compared,
// and the database holds neither (only the SHA-256 of the session id).
#include <nlohmann/json.hpp>

#include "accounts_internal.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/base/time.h"
#include "zhanqun/staff/accounts.h"

namespace zhanqun::staff {

using accounts_internal::RunSql;
using accounts_internal::UserRow;
using base::Result;
using base::Status;
using base::TimeMs;
using json = nlohmann::json;

namespace {

constexpr const char* kWrongLogin = "wrong username or password";

// When the throttle on `column` = `key` lifts, or 0 when it does not apply:
// the limit-th newest failure in the window leaving it brings the count
// below the limit. A store error is returned, never read as "not throttled".
// REQUIRES: the caller holds the accounts mutex.
Result<TimeMs> ThrottledUntil(sql::Db& db, bool by_user, const std::string& key, int limit,
                              TimeMs window_ms, TimeMs now) {
  Result<sql::Stmt> st =
      db.Prepare(by_user ? "SELECT at_ms FROM login_failures WHERE username = ?1 AND at_ms > ?2 "
                           "ORDER BY at_ms DESC LIMIT 1 OFFSET ?3"
                         : "SELECT at_ms FROM login_failures WHERE remote = ?1 AND at_ms > ?2 "
                           "ORDER BY at_ms DESC LIMIT 1 OFFSET ?3");
  if (!st.ok()) return st.status();
  st->Bind(1, key).Bind(2, now - window_ms).Bind(3, std::int64_t{limit - 1});
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return TimeMs{0};
  return st->Int(0) + window_ms;
}

std::string CsrfFor(const std::string& key, const std::string& session_id) {
  return base::HmacHex("sha256", key, session_id);
}

Principal SessionPrincipal(const User& u) {
  Principal p;
  p.user_id = u.id;
  p.username = u.username;
  p.display_name = u.display_name;
  p.roles = u.roles;
  p.via = Principal::Via::kSession;
  return p;
}

}  // namespace

Result<Session> Accounts::Login(const std::string& username, const std::string& password,
                                const std::string& remote) {
  Impl& m = *impl_;
  const TimeMs now = m.clock.NowMs();
  const TimeMs window_ms = m.options.throttle_window_s * 1000LL;
  const std::string object = "user:" + username;
  TimeMs until = 0;
  std::optional<UserRow> row;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    ZQ_RETURN_IF_ERROR(
        RunSql(*m.db, "DELETE FROM login_failures WHERE at_ms <= ?1", now - window_ms));
    Result<TimeMs> by_user =
        ThrottledUntil(*m.db, true, username, m.options.throttle_user_failures, window_ms, now);
    if (!by_user.ok()) return by_user.status();
    Result<TimeMs> by_remote =
        ThrottledUntil(*m.db, false, remote, m.options.throttle_remote_failures, window_ms, now);
    if (!by_remote.ok()) return by_remote.status();
    until = std::max(*by_user, *by_remote);
    if (until == 0) {
      Result<std::optional<UserRow>> loaded = m.LoadUser("WHERE username = ?1", username);
      if (!loaded.ok()) return loaded.status();
      row = std::move(loaded).value();
    }
  }
  if (until != 0) {
    ZQ_RETURN_IF_ERROR(
        m.Audit("anonymous", "login.throttled", object,
                json{{"remote", remote}, {"until", base::FormatTime(until)}}.dump()));
    return Status::Exhausted("too many failed logins for this user or address; try again in " +
                             std::to_string((until - now + 999) / 1000) + " s (after " +
                             base::FormatTime(until) + ")");
  }
  std::call_once(m.dummy_once, [&m] {
    Result<std::string> h = accounts_internal::HashPassword("dummy password", m.options);
    m.dummy_hash = h.ok() ? *h : "";
  });
  const bool can_try = row && !row->password_hash.empty();
  const bool ok =
      accounts_internal::VerifyPassword(can_try ? row->password_hash : m.dummy_hash, password) &&
      can_try;
  if (!ok) {
    {
      // The throttle counts on this row: failing to write it is an error, not
      // one more wrong password.
      std::lock_guard<std::mutex> lock(m.mu);
      ZQ_RETURN_IF_ERROR(
          RunSql(*m.db, "INSERT INTO login_failures (username, remote, at_ms) VALUES (?1, ?2, ?3)",
                 username, remote, now));
    }
    ZQ_RETURN_IF_ERROR(m.Audit("anonymous", "login.failed", object,
                               json{{"remote", remote}, {"known_user", row.has_value()}}.dump()));
    return Status::Unauthenticated(kWrongLogin);
  }
  if (row->user.disabled) {
    ZQ_RETURN_IF_ERROR(m.Audit("anonymous", "login.refused", object,
                               json{{"remote", remote}, {"reason", "disabled"}}.dump()));
    return Status::PermissionDenied("the account '" + username + "' is disabled");
  }
  Session s;
  s.id = accounts_internal::RandomSecret(32);
  s.csrf = CsrfFor(m.csrf_key, s.id);
  s.who = SessionPrincipal(row->user);
  s.expires_ms = now + m.options.session_ttl_s * 1000LL;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    sql::Transaction txn(*m.db);
    ZQ_RETURN_IF_ERROR(txn.status());
    ZQ_RETURN_IF_ERROR(RunSql(*m.db, "DELETE FROM login_failures WHERE username = ?1", username));
    Result<sql::Stmt> upd = m.db->Prepare("UPDATE users SET last_login_ms = ?1 WHERE id = ?2");
    if (!upd.ok()) return upd.status();
    upd->Bind(1, now).Bind(2, row->user.id);
    ZQ_RETURN_IF_ERROR(upd->Run());
    Result<sql::Stmt> ins = m.db->Prepare(
        "INSERT INTO sessions (id_sha256, user_id, created_ms, last_seen_ms, expires_ms) "
        "VALUES (?1, ?2, ?3, ?3, ?4)");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, base::Sha256Hex(s.id)).Bind(2, row->user.id).Bind(3, now).Bind(4, s.expires_ms);
    ZQ_RETURN_IF_ERROR(ins->Run());
    ZQ_RETURN_IF_ERROR(txn.Commit());
  }
  ZQ_RETURN_IF_ERROR(
      m.Audit(s.who.AuditName(), "login.ok", object, json{{"remote", remote}}.dump()));
  return s;
}

Result<std::optional<Session>> Accounts::ResolveSession(const std::string& session_id) {
  if (session_id.empty()) return std::optional<Session>();
  Impl& m = *impl_;
  const TimeMs now = m.clock.NowMs();
  const std::string key = base::Sha256Hex(session_id);
  std::lock_guard<std::mutex> lock(m.mu);
  Result<sql::Stmt> st =
      m.db->Prepare("SELECT user_id, last_seen_ms, expires_ms FROM sessions WHERE id_sha256 = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, key);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Session>();
  const std::int64_t user_id = st->Int(0);
  const TimeMs last_seen = st->Int(1), expires = st->Int(2);
  if (now >= expires || now - last_seen >= m.options.session_idle_s * 1000LL) {
    ZQ_RETURN_IF_ERROR(RunSql(*m.db, "DELETE FROM sessions WHERE id_sha256 = ?1", key));
    return std::optional<Session>();
  }
  Result<std::optional<UserRow>> u = m.LoadUserById(user_id);
  if (!u.ok()) return u.status();
  if (!*u || (*u)->user.disabled) return std::optional<Session>();
  // The idle timeout counts from here: a touch that does not stick is an error.
  ZQ_RETURN_IF_ERROR(
      RunSql(*m.db, "UPDATE sessions SET last_seen_ms = ?2 WHERE id_sha256 = ?1", key, now));
  Session s;
  s.id = session_id;
  s.csrf = CsrfFor(m.csrf_key, session_id);
  s.who = SessionPrincipal((*u)->user);
  s.expires_ms = expires;
  return std::optional<Session>(std::move(s));
}

bool Accounts::CheckCsrf(const Session& s, const std::string& csrf) {
  return !s.csrf.empty() && base::ConstantTimeEquals(s.csrf, csrf);
}

Status Accounts::Logout(const std::string& session_id) {
  Result<std::optional<Session>> s = ResolveSession(session_id);
  if (!s.ok()) return s.status();
  if (!*s) return Status::Ok();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    ZQ_RETURN_IF_ERROR(RunSql(*impl_->db, "DELETE FROM sessions WHERE id_sha256 = ?1",
                              base::Sha256Hex(session_id)));
  }
  const Principal& who = (*s)->who;
  return impl_->Audit(who.AuditName(), "logout", "user:" + who.username, "{}");
}

}  // namespace zhanqun::staff
