// The zhanqun-agent program: its commands, parsed from argv, each opening
// and wiring what it needs. main() calls Main and nothing else.
#ifndef ZHANQUN_AGENTD_COMMANDS_H_
#define ZHANQUN_AGENTD_COMMANDS_H_

namespace zhanqun::agentd {

// Runs the command line; returns the process's exit status.
int Main(int argc, char** argv);

}  // namespace zhanqun::agentd

#endif  // ZHANQUN_AGENTD_COMMANDS_H_
