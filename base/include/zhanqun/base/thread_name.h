// Names the calling thread, so `top -H`, `ps -L` and perf show what each
// thread of a daemon does (follow 000000, index, report, ...), and lowers
// the priority of background threads.
#ifndef ZHANQUN_BASE_THREAD_NAME_H_
#define ZHANQUN_BASE_THREAD_NAME_H_

#include <string>

namespace zhanqun::base {

// Linux keeps at most 15 bytes of a thread name; longer names are cut.
void SetThreadName(const std::string& name);

// Lowers the calling thread's CPU priority to `nice` (0..19; Linux nice
// values are per thread). Raising a priority needs privileges and is not
// attempted. Returns false if the kernel refused.
bool SetThreadNice(int nice);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_THREAD_NAME_H_
