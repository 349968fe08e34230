// HMAC and randomness for WebSub (OpenSSL): behind signature.h like the rest
// of our OpenSSL use.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "signature_internal.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {

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
    signature_internal::Die("HMAC");
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::string RandomHex(std::size_t bytes) {
  std::string buf(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes)) != 1) {
    signature_internal::Die("RAND_bytes");
  }
  return HexEncode(buf);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace zhanqun::feeds
