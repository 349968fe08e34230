// zhanqun-hub commands for staff accounts, tokens and the audit log (user,
// token, audit). Part of the executable, not the library; prints to
// stdout/stderr.
#ifndef ZHANQUN_HUBD_SRC_CLI_ACCOUNTS_H_
#define ZHANQUN_HUBD_SRC_CLI_ACCOUNTS_H_

#include <string>

#include "zhanqun/base/cli.h"
#include "zhanqun/staff/staff.h"

namespace zhanqun::hubd {

// The usage lines for these commands (part of `zhanqun-hub --help`).
extern const char* const kAccountsUsage;

// True when `a` is a user, token or audit command.
bool IsAccountsCommand(const base::CommandLine& a);

// Runs it; returns the exit status (0 ok, 1 failed, 2 usage).
int RunAccountsCommand(staff::Staff& staff, const base::CommandLine& a);

// Who the command line acts as: Principal{via=kCli, username="cli:<$USER or uid>"}.
staff::Principal CliPrincipal();

}  // namespace zhanqun::hubd

#endif  // ZHANQUN_HUBD_SRC_CLI_ACCOUNTS_H_
