// Private to base: the OpenSSL helpers its digest, encoding and random code
// shares. Never include from a public header.
#ifndef ZHANQUN_BASE_SRC_OPENSSL_INTERNAL_H_
#define ZHANQUN_BASE_SRC_OPENSSL_INTERNAL_H_

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace zhanqun::base::openssl_internal {

// OpenSSL failing on well-formed input means memory exhaustion or a broken
// library: an impossible state, so crash loudly rather than return garbage.
[[noreturn]] void Die(const char* what);

inline const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The raw digest of `data` under `md`.
std::string Digest(const EVP_MD* md, std::string_view data);

}  // namespace zhanqun::base::openssl_internal

#endif  // ZHANQUN_BASE_SRC_OPENSSL_INTERNAL_H_
