// The one place in the hub that includes kainjow/mustache. Its header trips
// -Wshadow and -Wconversion, which we build with as errors; silence them for
// it alone (as localization/src/mustache.h does; the hub does not depend on
// localization).
#ifndef ZHANQUN_WEB_SRC_MUSTACHE_H_
#define ZHANQUN_WEB_SRC_MUSTACHE_H_

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <kainjow/mustache.hpp>
#pragma GCC diagnostic pop

#include <string>
#include <string_view>

#include "zhanqun/base/status.h"

namespace zhanqun::web {

namespace mustache = kainjow::mustache;

// Renders `tmpl` with `data`; {{x}} is HTML-escaped, {{{x}}} is not (use it
// only for markup we built ourselves). `name` names the template in errors.
base::Result<std::string> RenderMustache(std::string_view name, std::string_view tmpl,
                                         const mustache::data& data);

// A mustache list of `items`.
inline mustache::data List() { return mustache::data(mustache::data::type::list); }

}  // namespace zhanqun::web

#endif  // ZHANQUN_WEB_SRC_MUSTACHE_H_
