// Small string helpers the layers share. Pure functions; thread-safe.
#ifndef ZHANQUN_BASE_STRINGS_H_
#define ZHANQUN_BASE_STRINGS_H_

#include <string_view>

namespace zhanqun::base {

// `s` without leading and trailing ASCII whitespace (space, tab, CR, LF,
// form feed, vertical tab).
std::string_view TrimAscii(std::string_view s);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_STRINGS_H_
