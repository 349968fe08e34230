// Randomness from the OpenSSL CSPRNG, for secrets (tokens, salts, session
// ids) and for values that must not repeat across processes (boot ids). Each
// function crashes the process if the CSPRNG fails: nothing secret can be
// made without it. Thread-safe.
#ifndef ZHANQUN_BASE_RANDOM_H_
#define ZHANQUN_BASE_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace zhanqun::base {

// `n` random bytes.
std::string RandomBytes(std::size_t n);
// `bytes` random bytes as lowercase hex (2 * bytes characters).
std::string RandomHex(std::size_t bytes);
// `bytes` random bytes as unpadded base64url.
std::string RandomBase64Url(std::size_t bytes);
// A random 64-bit value.
std::uint64_t RandomU64();

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_RANDOM_H_
