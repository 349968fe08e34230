// The staff services of a hub's data directory, opened together: the audit
// log (<data_dir>/audit.db) and the accounts (<data_dir>/accounts.db) that
// write to it. The publishing core (hub/) knows nothing of staff; the desk,
// the web pages and the daemon reach accounts and the audit log through this.
//
// Thread-safe as Accounts and AuditLog are.
#ifndef ZHANQUN_STAFF_STAFF_H_
#define ZHANQUN_STAFF_STAFF_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/counters.h"
#include "zhanqun/base/status.h"
#include "zhanqun/staff/accounts.h"
#include "zhanqun/staff/audit.h"
#include "zhanqun/staff/roles.h"

namespace zhanqun::staff {

// Prometheus names are zhanqun_hub_<name>_total: the hub shows them with its
// own (Hub::AddCounters).
struct StaffCounters : base::CounterSet {
  base::Counter auth_failures{*this, "auth_failures",
                              "Requests refused for a missing or unknown bearer token."};
};

class Staff {
 public:
  // Opens (creating) both databases under `data_dir`.
  static base::Result<std::unique_ptr<Staff>> Open(const std::string& data_dir,
                                                   const AccountsOptions& options,
                                                   const base::Clock& clock);
  static std::string AuditDbPath(const std::string& data_dir) { return data_dir + "/audit.db"; }
  static std::string AccountsDbPath(const std::string& data_dir) {
    return data_dir + "/accounts.db";
  }

  // The principal behind "Authorization: Bearer <token>" (an API token), or
  // nullopt, counted in counters().auth_failures, when it is missing or
  // unknown. A store failure is returned (and not counted as a refusal).
  base::Result<std::optional<Principal>> Authenticate(const std::string& authorization_header);
  // Creates the API token `name` for the built-in system user "automation"
  // (role admin, no password, so it can never log in; created on first use)
  // with scope admin. Returns the secret, shown once.
  base::Result<std::string> CreateAutomationToken(const Principal& by, const std::string& name);
  static constexpr const char* kAutomationUser = "automation";

  const StaffCounters& counters() const { return counters_; }
  AuditLog& audit() { return *audit_; }
  Accounts& accounts() { return *accounts_; }

 private:
  Staff(std::unique_ptr<AuditLog> audit, std::unique_ptr<Accounts> accounts)
      : audit_(std::move(audit)), accounts_(std::move(accounts)) {}

  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Accounts> accounts_;  // refers to *audit_: declared after it
  StaffCounters counters_;
};

// Parses the "accounts" object of hub.json, given as JSON text, into `out`;
// returns one line per problem, each naming its field ("accounts.x: ...").
std::vector<std::string> ParseAccountsOptions(const std::string& json_text, AccountsOptions* out);

}  // namespace zhanqun::staff

#endif  // ZHANQUN_STAFF_STAFF_H_
