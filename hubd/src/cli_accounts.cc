#include "cli_accounts.h"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "zhanqun/base/env.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::hubd {

using base::CommandLine;
using base::Result;
using base::Status;

const char* const kAccountsUsage =
    R"(  user add <username> --roles admin[,editor...] [--name 显示名] [--password-file <file>]
                                add a staff user (password: first line of the file, or of
                                stdin without --password-file; 10..256 bytes)
  user list                     list users, their roles and state
  user roles <username> <roles> set a user's roles (editor,reviewer,approver,admin or all)
  user passwd <username> [--password-file <file>]
                                set a new password (ends the user's sessions)
  user disable|enable <username>
                                a disabled user cannot log in; its sessions end and its
                                tokens stop working until it is enabled again
  token create <name> [--user <username>] [--scopes editor,reviewer]
                                create an API token (secret printed once); without --user
                                for the system user "automation" with scopes admin; the
                                default scopes are the user's roles
  token list                    list tokens (never their secrets)
  token revoke <name>           revoke a token for good
  audit verify                  check the audit log's hash chain (exit 1 if broken)
  audit list [--limit N]        print the newest audit records, one per line
)";

namespace {

constexpr const char* kProgram = "zhanqun-hub";

int Fail(const Status& s) { return base::Fail(kProgram, s); }
int Usage(const std::string& line) { return Fail(Status::Invalid("usage: " + line)) + 1; }

std::string Opt(const CommandLine& a, const std::string& name) {
  auto it = a.options.find(name);
  return it == a.options.end() ? "" : it->second;
}

std::string FirstLine(std::istream& in) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The password from --password-file, or the first line of stdin (without
// echo when it is a terminal).
Result<std::string> ReadPassword(const CommandLine& a) {
  std::string file = Opt(a, "password-file");
  if (!file.empty()) {
    Result<std::string> text = base::Env::Default().ReadFile(file, 64 * 1024);
    if (!text.ok()) return text.status().Context("password-file");
    std::istringstream in(*text);
    return FirstLine(in);
  }
  termios saved{};
  const bool tty = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    std::cerr << "password: " << std::flush;
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line = FirstLine(std::cin);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (line.empty()) return Status::Invalid("password: empty (give it on stdin or --password-file)");
  return line;
}

std::string When(base::TimeMs t) { return t == 0 ? "never" : base::FormatTime(t); }

int UserAdd(staff::Staff& staff, const CommandLine& a) {
  const char* usage =
      "user add <username> --roles admin[,editor...] [--name 显示名] [--password-file <file>]";
  if (a.positional.size() != 3 || Opt(a, "roles").empty()) return Usage(usage);
  Result<staff::RoleSet> roles = staff::ParseRoles(Opt(a, "roles"));
  if (!roles.ok()) return Fail(roles.status());
  Result<std::string> password = ReadPassword(a);
  if (!password.ok()) return Fail(password.status());
  Result<staff::User> u =
      staff.accounts().AddUser(CliPrincipal(), a.positional[2], Opt(a, "name"), *password, *roles);
  if (!u.ok()) return Fail(u.status());
  std::cout << "user added username=" << u->username << " roles=" << u->roles.ToString()
            << " name=" << u->display_name << "\n";
  return 0;
}

int UserList(staff::Staff& staff) {
  Result<std::vector<staff::User>> users = staff.accounts().Users();
  if (!users.ok()) return Fail(users.status());
  for (const staff::User& u : *users) {
    std::cout << u.username << " roles=" << (u.roles.empty() ? "none" : u.roles.ToString())
              << " state=" << (u.disabled ? "disabled" : "enabled")
              << " last_login=" << When(u.last_login_ms) << " name=" << u.display_name << "\n";
  }
  return 0;
}

int UserCommand(staff::Staff& staff, const CommandLine& a) {
  const std::string sub = a.positional.size() > 1 ? a.positional[1] : "";
  if (sub == "add") return UserAdd(staff, a);
  if (sub == "list") return UserList(staff);
  if (sub == "roles") {
    if (a.positional.size() != 4) return Usage("user roles <username> <roles>");
    Result<staff::RoleSet> roles = staff::ParseRoles(a.positional[3]);
    if (!roles.ok()) return Fail(roles.status());
    Status s = staff.accounts().SetRoles(CliPrincipal(), a.positional[2], *roles);
    if (!s.ok()) return Fail(s);
    std::cout << "user " << a.positional[2] << " roles=" << roles->ToString() << "\n";
    return 0;
  }
  if (sub == "passwd") {
    if (a.positional.size() != 3) return Usage("user passwd <username> [--password-file <file>]");
    Result<std::string> password = ReadPassword(a);
    if (!password.ok()) return Fail(password.status());
    Status s = staff.accounts().SetPassword(CliPrincipal(), a.positional[2], *password);
    if (!s.ok()) return Fail(s);
    std::cout << "password set for " << a.positional[2] << "\n";
    return 0;
  }
  if (sub == "disable" || sub == "enable") {
    if (a.positional.size() != 3) return Usage("user disable|enable <username>");
    Status s = staff.accounts().SetDisabled(CliPrincipal(), a.positional[2], sub == "disable");
    if (!s.ok()) return Fail(s);
    std::cout << "user " << a.positional[2] << " " << sub << "d\n";
    return 0;
  }
  return Usage("user add|list|roles|passwd|disable|enable ...");
}

int TokenCreate(staff::Staff& staff, const CommandLine& a) {
  if (a.positional.size() != 3) {
    return Usage("token create <name> [--user <username>] [--scopes editor,reviewer]");
  }
  const std::string user = Opt(a, "user");
  if (user.empty()) {
    if (!Opt(a, "scopes").empty()) {
      return Fail(Status::Invalid("scopes: only with --user (automation tokens are admin)"));
    }
    Result<std::string> t = staff.CreateAutomationToken(CliPrincipal(), a.positional[2]);
    if (!t.ok()) return Fail(t.status());
    std::cout << *t << "\n";
    return 0;
  }
  Result<std::optional<staff::User>> u = staff.accounts().FindUser(user);
  if (!u.ok()) return Fail(u.status());
  if (!*u) return Fail(Status::NotFound("user: no user '" + user + "'"));
  staff::RoleSet scopes = (*u)->roles;
  if (!Opt(a, "scopes").empty()) {
    Result<staff::RoleSet> parsed = staff::ParseRoles(Opt(a, "scopes"));
    if (!parsed.ok()) return Fail(parsed.status().Context("scopes"));
    scopes = *parsed;
  }
  Result<std::string> t =
      staff.accounts().CreateToken(CliPrincipal(), user, a.positional[2], scopes);
  if (!t.ok()) return Fail(t.status());
  std::cout << *t << "\n";
  return 0;
}

int TokenCommand(staff::Staff& staff, const CommandLine& a) {
  const std::string sub = a.positional.size() > 1 ? a.positional[1] : "";
  if (sub == "create") return TokenCreate(staff, a);
  if (sub == "list") {
    Result<std::vector<staff::TokenInfo>> tokens = staff.accounts().Tokens();
    if (!tokens.ok()) return Fail(tokens.status());
    for (const staff::TokenInfo& t : *tokens) {
      std::cout << t.name << " user=" << t.username << " scopes=" << t.scopes.ToString()
                << " created=" << When(t.created_ms) << " last_used=" << When(t.last_used_ms)
                << " state=" << (t.revoked ? "revoked" : "active") << "\n";
    }
    return 0;
  }
  if (sub == "revoke") {
    if (a.positional.size() != 3) return Usage("token revoke <name>");
    Status s = staff.accounts().RevokeToken(CliPrincipal(), a.positional[2]);
    if (!s.ok()) return Fail(s);
    std::cout << "token " << a.positional[2] << " revoked\n";
    return 0;
  }
  return Usage("token create|list|revoke ...");
}

int AuditCommand(staff::Staff& staff, const CommandLine& a) {
  const std::string sub = a.positional.size() > 1 ? a.positional[1] : "";
  if (sub == "verify") {
    Result<staff::AuditVerification> verified = staff.audit().Verify();
    if (!verified.ok()) return Fail(verified.status());
    const staff::AuditVerification& v = *verified;
    if (!v.ok()) {
      std::cout << "audit: " << v.problem << "\n";
      return 1;
    }
    std::cout << "audit: " << v.records << " records, chain intact\n";
    return 0;
  }
  if (sub == "list") {
    staff::AuditFilter f;
    if (!Opt(a, "limit").empty()) {
      char* end = nullptr;
      long n = std::strtol(Opt(a, "limit").c_str(), &end, 10);
      if (*end != '\0' || n < 1 || n > 1000000) {
        return Fail(Status::Invalid("limit: expected an integer in 1..1000000, got '" +
                                    Opt(a, "limit") + "'"));
      }
      f.limit = static_cast<std::size_t>(n);
    }
    Result<std::vector<staff::AuditRecord>> records = staff.audit().List(f);
    if (!records.ok()) return Fail(records.status());
    for (const staff::AuditRecord& r : *records) {
      std::cout << r.seq << "\t" << base::FormatTime(r.time_ms) << "\t" << r.actor << "\t"
                << r.action << "\t" << r.object << "\t" << r.detail << "\n";
    }
    return 0;
  }
  return Usage("audit verify | audit list [--limit N]");
}

}  // namespace

bool IsAccountsCommand(const CommandLine& a) {
  if (a.positional.empty()) return false;
  const std::string& c = a.positional[0];
  return c == "user" || c == "token" || c == "audit";
}

int RunAccountsCommand(staff::Staff& staff, const CommandLine& a) {
  const std::string& c = a.positional[0];
  if (c == "user") return UserCommand(staff, a);
  if (c == "token") return TokenCommand(staff, a);
  return AuditCommand(staff, a);
}

staff::Principal CliPrincipal() {
  staff::Principal p;
  p.via = staff::Principal::Via::kCli;
  const char* user = std::getenv("USER");
  p.username =
      "cli:" + (user != nullptr && *user != '\0' ? std::string(user) : std::to_string(::getuid()));
  p.display_name = p.username;
  p.roles = staff::RoleSet(staff::RoleSet::kAll);
  return p;
}

}  // namespace zhanqun::hubd
