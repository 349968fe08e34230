#include "zhanqun/base/fatal.h"

#include <cstdio>
#include <cstdlib>

namespace zhanqun::base {

void Fatal(std::string_view what) {
  std::fprintf(stderr, "zhanqun: fatal: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace zhanqun::base
