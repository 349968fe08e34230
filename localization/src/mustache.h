// The one place kainjow/mustache is included. Its header trips -Wshadow and
// -Wconversion, which we build with as errors; silence them for it alone.
#ifndef ZHANQUN_LOCALIZATION_MUSTACHE_H_
#define ZHANQUN_LOCALIZATION_MUSTACHE_H_

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <kainjow/mustache.hpp>
#pragma GCC diagnostic pop

#include <string>

#include "zhanqun/base/status.h"

namespace zhanqun::localization {

namespace mustache = kainjow::mustache;

// Renders `tmpl` (already known to parse, or not: errors are returned) with
// `data`. `name` names the template in error messages.
base::Result<std::string> RenderMustache(const std::string& name, const std::string& tmpl,
                                         const mustache::data& data);

// Checks that `tmpl` parses; the error names `name`.
base::Status CheckMustache(const std::string& name, const std::string& tmpl);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_MUSTACHE_H_
