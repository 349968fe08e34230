// zhanqun-hub commands for staff accounts, tokens and the audit log (user,
// token, audit). Part of the executable, not the library; prints to
// stdout/stderr.
#ifndef ZHANQUN_HUB_SRC_CLI_ACCOUNTS_H_
#define ZHANQUN_HUB_SRC_CLI_ACCOUNTS_H_

#include <string>

#include "zhanqun/base/cli.h"
#include "zhanqun/hub/hub.h"

namespace zhanqun::hub::cli {

// The usage lines for these commands (part of `zhanqun-hub --help`).
extern const char* const kAccountsUsage;

// True when `a` is a user, token or audit command.
bool IsAccountsCommand(const base::CommandLine& a);

// Runs it; returns the exit status (0 ok, 1 failed, 2 usage).
int RunAccountsCommand(Hub& hub, const base::CommandLine& a);

// Who the command line acts as: Principal{via=kCli, username="cli:<$USER or uid>"}.
Principal CliPrincipal();

// Appends an audit record for a CLI action; false (with a message on stderr)
// when it could not be written.
bool AuditCli(Hub& hub, const std::string& action, const std::string& object,
              const std::string& detail_json);

}  // namespace zhanqun::hub::cli

#endif  // ZHANQUN_HUB_SRC_CLI_ACCOUNTS_H_
