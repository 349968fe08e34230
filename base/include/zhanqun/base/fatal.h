// The one way the process stops on an impossible state (a library that
// fails on well-formed input, an invariant broken): one line on stderr, then
// abort(), so a core dump or the service manager records it. Expected
// failures are Status values, never this.
#ifndef ZHANQUN_BASE_FATAL_H_
#define ZHANQUN_BASE_FATAL_H_

#include <string_view>

namespace zhanqun::base {

// Writes "zhanqun: fatal: <what>" to stderr and aborts.
[[noreturn]] void Fatal(std::string_view what);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_FATAL_H_
