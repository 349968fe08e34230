// Helpers for the daemons' command lines: argument parsing, the one-line
// failure message and waiting for SIGINT/SIGTERM. Meant for main(); the
// libraries themselves never print.
#ifndef ZHANQUN_BASE_CLI_H_
#define ZHANQUN_BASE_CLI_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"

namespace zhanqun::base {

struct CommandLine {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--name value" as {"name", "value"}
  bool help = false;                           // --help or -h was given
};

// Splits argv[1..argc): "--help"/"-h" set help, "--name value" becomes an
// option (a later one wins), everything else is positional in order. A
// trailing "--name" without a value is positional.
CommandLine ParseCommandLine(int argc, char** argv);

// Writes "<program>: <message>" as one line to stderr; returns 1, the exit
// status of a failed command.
int Fail(std::string_view program, const Status& s);

// Blocks SIGINT and SIGTERM in the calling thread, so that threads started
// afterwards inherit the mask and the signals wait for
// WaitForTerminationSignal. REQUIRES: called before any thread is started.
void BlockTerminationSignals();

// Waits until SIGINT or SIGTERM arrives and returns its number.
// REQUIRES: BlockTerminationSignals() was called in this thread.
int WaitForTerminationSignal();

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_CLI_H_
