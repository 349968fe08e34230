#include "zhanqun/base/thread_name.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace zhanqun::base {

void SetThreadName(const std::string& name) {
  (void)pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

bool SetThreadNice(int nice) {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, std::clamp(nice, 0, 19)) == 0;
}

}  // namespace zhanqun::base
