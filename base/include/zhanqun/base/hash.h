// Digests and message authentication (OpenSSL): SHA-256, HMAC and a
// comparison whose time does not depend on the content. Thread-safe.
#ifndef ZHANQUN_BASE_HASH_H_
#define ZHANQUN_BASE_HASH_H_

#include <string>
#include <string_view>

namespace zhanqun::base {

// The 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);
// The same, as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);
// The 64-byte BLAKE2b-512 digest of `data` (minisign's prehash).
std::string Blake2b512(std::string_view data);

// Lowercase hex HMAC of `data` under `key`; `algorithm` is "sha1", "sha256",
// "sha384" or "sha512". Empty for any other algorithm name.
std::string HmacHex(const std::string& algorithm, std::string_view key, std::string_view data);

// Compares without an early exit, so timing reveals nothing about the content.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_HASH_H_
