// Release <-> JSON, the publish API's body format (see docs/api.md).
#ifndef ZHANQUN_HUB_RELEASE_JSON_H_
#define ZHANQUN_HUB_RELEASE_JSON_H_

#include <string>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::hub {

// Parses a release submission. Unknown fields are rejected (typos must not
// silently drop data). `body_html` is sanitized; `body_text` (plain text) is
// accepted instead and converted to paragraphs. Omitted `published` means
// `now_ms`; omitted `version` means "next". Errors name the field and rule.
base::Result<feeds::Release> ParseReleaseJson(const std::string& text, base::TimeMs now_ms);
std::string ReleaseToJson(const feeds::Release& r);

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_RELEASE_JSON_H_
