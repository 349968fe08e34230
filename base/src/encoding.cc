#include "zhanqun/base/encoding.h"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>

#include "openssl_internal.h"
#include "zhanqun/base/fatal.h"
#include "zhanqun/base/strings.h"

namespace zhanqun::base {
namespace openssl_internal {

void Die(const char* what) { Fatal(std::string("OpenSSL ") + what + " failed"); }

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) Die("EVP_Digest");
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace openssl_internal

namespace {

using openssl_internal::Bytes;

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  // EVP_EncodeBlock takes an int length; whole 3-byte groups per call keep
  // the concatenated output free of inner padding.
  constexpr std::size_t kChunk = 3 * 1024 * 1024;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), kChunk);
    std::string block(4 * ((n + 2) / 3) + 1, '\0');
    int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(block.data()), Bytes(data),
                              static_cast<int>(n));
    out.append(block.data(), static_cast<std::size_t>(len));
    data.remove_prefix(n);
  }
  return out;
}

std::string Base64UrlEncode(std::string_view data) {
  std::string out = Base64Encode(data);
  while (!out.empty() && out.back() == '=') out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  text = TrimAscii(text);
  if (text.size() % 4 != 0) {
    return Status::Invalid("base64 text has " + std::to_string(text.size()) +
                           " characters; expected a multiple of 4");
  }
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  // EVP_DecodeBlock skips some characters (whitespace, '-') rather than
  // rejecting them, so the alphabet is checked here first.
  for (std::size_t i = 0; i + padding < text.size(); ++i) {
    if (!IsBase64Char(text[i])) {
      return Status::Invalid("base64 text has an invalid character at offset " + std::to_string(i));
    }
  }
  if (text.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status::Exhausted("base64 text is too long");
  }
  std::string out(text.size() / 4 * 3, '\0');
  int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(text),
                            static_cast<int>(text.size()));
  if (len < 0 || static_cast<std::size_t>(len) != out.size()) {
    return Status::Invalid("base64 text does not decode");
  }
  // EVP_DecodeBlock counts padding as zero bytes.
  out.resize(out.size() - padding);
  return out;
}

std::string HexEncode(std::string_view data, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out += digits[c >> 4];
    out += digits[c & 0x0f];
  }
  return out;
}

}  // namespace zhanqun::base
