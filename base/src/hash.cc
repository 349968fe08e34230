#include "zhanqun/base/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "openssl_internal.h"
#include "zhanqun/base/encoding.h"

namespace zhanqun::base {

std::string Sha256(std::string_view data) { return openssl_internal::Digest(EVP_sha256(), data); }

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

std::string Blake2b512(std::string_view data) {
  return openssl_internal::Digest(EVP_blake2b512(), data);
}

std::string HmacHex(const std::string& algorithm, std::string_view key, std::string_view data) {
  const EVP_MD* md = algorithm == "sha1"     ? EVP_sha1()
                     : algorithm == "sha256" ? EVP_sha256()
                     : algorithm == "sha384" ? EVP_sha384()
                     : algorithm == "sha512" ? EVP_sha512()
                                             : nullptr;
  if (md == nullptr) return "";
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(md, key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &len) == nullptr) {
    openssl_internal::Die("HMAC");
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), len));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace zhanqun::base
