// The zhanqun-hub program: its commands, parsed from argv, each opening and
// wiring what it needs. main() calls Main and nothing else.
#ifndef ZHANQUN_HUBD_COMMANDS_H_
#define ZHANQUN_HUBD_COMMANDS_H_

namespace zhanqun::hubd {

// Runs the command line; returns the process's exit status.
int Main(int argc, char** argv);

}  // namespace zhanqun::hubd

#endif  // ZHANQUN_HUBD_COMMANDS_H_
