// Private to the signature code (keys.cc, key_files.cc, signature.cc,
// encoding.cc): minisign constants and OpenSSL helpers they share. Never
// include from a public header.
#ifndef ZHANQUN_FEEDS_SIGNATURE_INTERNAL_H_
#define ZHANQUN_FEEDS_SIGNATURE_INTERNAL_H_

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "zhanqun/base/fatal.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds::signature_internal {

// minisign algorithm tags: "ED" signs BLAKE2b-512(message), legacy "Ed" signs
// the message itself. Public keys always carry "Ed".
inline constexpr std::string_view kPrehashedAlg = "ED";
inline constexpr std::string_view kLegacyAlg = "Ed";
inline constexpr std::string_view kPublicKeyAlg = "Ed";
inline constexpr std::size_t kSignatureBlobBytes = 2 + 8 + 64;
inline constexpr std::size_t kPublicKeyBlobBytes = 2 + 8 + 32;
inline constexpr std::string_view kUntrustedPrefix = "untrusted comment: ";
inline constexpr std::string_view kTrustedPrefix = "trusted comment: ";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// OpenSSL failing on a well-formed Ed25519 key means memory exhaustion or a
// broken library: an impossible state, so crash loudly rather than sign garbage.
[[noreturn]] inline void Die(const char* what) {
  base::Fatal(std::string("OpenSSL ") + what + " failed");
}

inline const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

template <std::size_t N>
std::string_view AsView(const std::array<std::uint8_t, N>& a) {
  return {reinterpret_cast<const char*>(a.data()), N};
}

}  // namespace zhanqun::feeds::signature_internal

#endif  // ZHANQUN_FEEDS_SIGNATURE_INTERNAL_H_
