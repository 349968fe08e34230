#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "zhanqun/base/thread_name.h"

namespace zhanqun::base {
namespace {

int OwnNice() { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))); }

}  // namespace

TEST_CASE("a thread names itself and lowers its own priority", "[feeds][threads]") {
  const int base = OwnNice();  // the runner may itself run niced
  const int target = std::min(base + 5, 19);
  std::string name;
  int nice_after = -100;
  bool lowered = false;
  std::thread t([&] {
    SetThreadName("follow 000000 and more");  // cut to Linux's 15 bytes
    char buf[32] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    name = buf;
    lowered = SetThreadNice(target);
    nice_after = OwnNice();
  });
  t.join();
  CHECK(name == "follow 000000 a");
  CHECK(lowered);
  CHECK(nice_after == target);
  CHECK(OwnNice() == base);  // only that thread was lowered
}

}  // namespace zhanqun::base
