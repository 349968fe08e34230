// Private helpers of the foreign-feed reader (syndication.h): the hardened
// libxml2 parse with entity refusal and GB18030 decoding.
#ifndef ZHANQUN_DESK_SRC_SYNDICATION_INTERNAL_H_
#define ZHANQUN_DESK_SRC_SYNDICATION_INTERNAL_H_

#include <string>
#include <string_view>

#include "zhanqun/base/status.h"
#include "zhanqun/desk/syndication.h"
#include "zhanqun/text/xml.h"

namespace zhanqun::desk::syndication_internal {

// The encoding named in the XML declaration, lowercased; "" when none.
std::string DeclaredEncoding(std::string_view bytes);

// `bytes` re-encoded to UTF-8 when the declaration names GB2312, GBK or
// GB18030 (its encoding pseudo-attribute rewritten to UTF-8); otherwise a
// copy. kInvalidArgument names the offset of the first undecodable byte.
base::Result<std::string> DecodeChineseEncodings(std::string_view bytes);

// True when the document starts (after a BOM, whitespace, the XML
// declaration and comments) with "<!DOCTYPE html" or "<html".
bool LooksLikeHtml(std::string_view bytes);

// Parses with no network, no DTD loading and no entity substitution;
// refuses any DTD that declares an entity. The document's URL is base_url,
// so xmlNodeGetBase resolves xml:base against it.
base::Result<text::xml::DocPtr> ParseFeedXml(std::string_view bytes, const std::string& base_url,
                                             const SyndicationLimits& limits);

}  // namespace zhanqun::desk::syndication_internal

#endif  // ZHANQUN_DESK_SRC_SYNDICATION_INTERNAL_H_
