// Byte encodings: base64 (RFC 4648 §4, padded), base64url (§5, unpadded, for
// cookies and tokens) and hex. Pure functions; thread-safe.
#ifndef ZHANQUN_BASE_ENCODING_H_
#define ZHANQUN_BASE_ENCODING_H_

#include <string>
#include <string_view>

#include "zhanqun/base/status.h"

namespace zhanqun::base {

std::string Base64Encode(std::string_view data);
// Accepts padded base64, surrounding ASCII whitespace ignored; errors name
// the offset of the first character outside the alphabet.
Result<std::string> Base64Decode(std::string_view text);
// base64url without padding: safe in URLs, cookies and file names.
std::string Base64UrlEncode(std::string_view data);
std::string HexEncode(std::string_view data, bool upper = false);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_ENCODING_H_
