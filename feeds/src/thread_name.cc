#include "zhanqun/feeds/thread_name.h"

#include <pthread.h>

namespace zhanqun::feeds {

void SetThreadName(const std::string& name) {
  (void)pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace zhanqun::feeds
