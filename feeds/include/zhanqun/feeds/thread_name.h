// Names the calling thread, so `top -H`, `ps -L` and perf show what each
// thread of a daemon does (follow 000000, index, report, ...).
#ifndef ZHANQUN_FEEDS_THREAD_NAME_H_
#define ZHANQUN_FEEDS_THREAD_NAME_H_

#include <string>

namespace zhanqun::feeds {

// Linux keeps at most 15 bytes of a thread name; longer names are cut.
void SetThreadName(const std::string& name);

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_THREAD_NAME_H_
