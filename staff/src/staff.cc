#include "zhanqun/staff/staff.h"

#include "zhanqun/base/config.h"

namespace zhanqun::staff {

using base::Result;
using base::Status;

Result<std::unique_ptr<Staff>> Staff::Open(const std::string& data_dir,
                                           const AccountsOptions& options,
                                           const base::Clock& clock) {
  Result<std::unique_ptr<AuditLog>> audit = AuditLog::Open(AuditDbPath(data_dir));
  if (!audit.ok()) return audit.status().Context("audit log");
  Result<std::unique_ptr<Accounts>> accounts =
      Accounts::Open(AccountsDbPath(data_dir), options, clock, **audit);
  if (!accounts.ok()) return accounts.status().Context("accounts");
  return std::unique_ptr<Staff>(new Staff(std::move(*audit), std::move(*accounts)));
}

Result<std::optional<Principal>> Staff::Authenticate(const std::string& header) {
  Result<std::optional<Principal>> who = accounts_->ResolveBearer(header);
  if (who.ok() && !*who) counters_.auth_failures++;
  return who;
}

Result<std::string> Staff::CreateAutomationToken(const Principal& by, const std::string& name) {
  Result<std::optional<User>> system_user = accounts_->FindUser(kAutomationUser);
  if (!system_user.ok()) return system_user.status();
  if (!*system_user) {
    Result<User> u = accounts_->AddUser(by, kAutomationUser, "automation (system user)", "",
                                        RoleSet{Role::kAdmin});
    if (!u.ok() && u.status().code() != base::Code::kAlreadyExists) return u.status();
  }
  return accounts_->CreateToken(by, kAutomationUser, name, RoleSet{Role::kAdmin});
}

std::vector<std::string> ParseAccountsOptions(const std::string& json_text, AccountsOptions* o) {
  base::ConfigReader r = base::ConfigReader::Parse(json_text, "accounts.");
  if (!r.is_object()) return r.problems();
  r.CheckKnown({"session_ttl_s", "session_idle_s", "throttle_user_failures",
                "throttle_remote_failures", "throttle_window_s", "argon2_t_cost",
                "argon2_m_cost_kib"});
  o->session_ttl_s = static_cast<int>(r.Int("session_ttl_s", 60, 30 * 86400, o->session_ttl_s));
  o->session_idle_s = static_cast<int>(r.Int("session_idle_s", 60, 30 * 86400, o->session_idle_s));
  o->throttle_user_failures =
      static_cast<int>(r.Int("throttle_user_failures", 1, 1000, o->throttle_user_failures));
  o->throttle_remote_failures =
      static_cast<int>(r.Int("throttle_remote_failures", 1, 100000, o->throttle_remote_failures));
  o->throttle_window_s =
      static_cast<int>(r.Int("throttle_window_s", 1, 86400, o->throttle_window_s));
  o->argon2_t_cost = static_cast<std::uint32_t>(r.Int("argon2_t_cost", 1, 10, o->argon2_t_cost));
  o->argon2_m_cost_kib = static_cast<std::uint32_t>(
      r.Int("argon2_m_cost_kib", 1024, 4 * 1024 * 1024, o->argon2_m_cost_kib));
  if (o->session_idle_s > o->session_ttl_s) {
    r.Problem("session_idle_s: must not be longer than session_ttl_s (" +
              std::to_string(o->session_ttl_s) + ")");
  }
  return r.problems();
}

}  // namespace zhanqun::staff
