#include "zhanqun/base/random.h"

#include <openssl/rand.h>

#include <cstring>

#include "openssl_internal.h"
#include "zhanqun/base/encoding.h"

namespace zhanqun::base {

std::string RandomBytes(std::size_t n) {
  std::string buf(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(n)) != 1) {
    openssl_internal::Die("RAND_bytes");
  }
  return buf;
}

std::string RandomHex(std::size_t bytes) { return HexEncode(RandomBytes(bytes)); }

std::string RandomBase64Url(std::size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

std::uint64_t RandomU64() {
  std::uint64_t v = 0;
  const std::string b = RandomBytes(sizeof v);
  std::memcpy(&v, b.data(), sizeof v);
  return v;
}

}  // namespace zhanqun::base
