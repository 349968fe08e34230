#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "zhanqun/base/encoding.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/base/random.h"
#include "zhanqun/base/strings.h"

namespace zhanqun::base {
namespace {

TEST_CASE("base64, hex and SHA-256 helpers match known vectors", "[base][encoding]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  for (const char* s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    Result<std::string> d = Base64Decode(Base64Encode(s));
    REQUIRE(d.ok());
    CHECK(*d == s);
  }
  const std::string binary("\0\xff\x10\x80", 4);
  CHECK(*Base64Decode(Base64Encode(binary)) == binary);
  CHECK(*Base64Decode("  Zm9v\n") == "foo");

  for (const char* bad : {"Zm9", "Zm9v!mFy", "Z===", "====", "Zm=v", "Zm 9v", "Zm9-", "Zg=A"}) {
    CAPTURE(bad);
    CHECK(Base64Decode(bad).status().code() == Code::kInvalidArgument);
  }

  CHECK(HexEncode(std::string("\x01\xab", 2)) == "01ab");
  CHECK(HexEncode(std::string("\x01\xab", 2), true) == "01AB");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("base64url drops padding and uses the URL-safe alphabet", "[base][encoding]") {
  CHECK(Base64UrlEncode("") == "");
  CHECK(Base64UrlEncode("f") == "Zg");
  CHECK(Base64UrlEncode("fo") == "Zm8");
  CHECK(Base64UrlEncode(std::string("\xfb\xff\xbf", 3)) == "-_-_");
  CHECK(Base64Encode(std::string("\xfb\xff\xbf", 3)) == "+/+/");
}

TEST_CASE("BLAKE2b-512 and HMAC match their published vectors", "[base][hash]") {
  CHECK(HexEncode(Blake2b512("abc")) ==
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
        "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  // RFC 4231 test case 2.
  CHECK(HmacHex("sha256", "Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(HmacHex("md5", "k", "d").empty());
  CHECK(Sha256("abc").size() == 32);
}

TEST_CASE("constant-time comparison agrees with equality", "[base][hash]") {
  CHECK(ConstantTimeEquals("", ""));
  CHECK(ConstantTimeEquals("secret", "secret"));
  CHECK_FALSE(ConstantTimeEquals("secret", "secreT"));
  CHECK_FALSE(ConstantTimeEquals("secret", "secrets"));
}

TEST_CASE("random values have the asked size and do not repeat", "[base][random]") {
  CHECK(RandomBytes(0).empty());
  CHECK(RandomBytes(17).size() == 17);
  CHECK(RandomHex(16).size() == 32);
  CHECK(RandomHex(16).find_first_not_of("0123456789abcdef") == std::string::npos);
  const std::string token = RandomBase64Url(32);
  CHECK(token.size() == 43);
  CHECK(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
      std::string::npos);
  std::set<std::string> seen;
  std::set<std::uint64_t> numbers;
  for (int i = 0; i < 100; ++i) {
    seen.insert(RandomHex(16));
    numbers.insert(RandomU64());
  }
  CHECK(seen.size() == 100);
  CHECK(numbers.size() == 100);
}

TEST_CASE("TrimAscii removes ASCII whitespace at both ends only", "[base][strings]") {
  CHECK(TrimAscii("  a b \t\r\n") == "a b");
  CHECK(TrimAscii("\f\vx\v") == "x");
  CHECK(TrimAscii("") == "");
  CHECK(TrimAscii(" \n ") == "");
  CHECK(TrimAscii("\u3000x\u3000") == "\u3000x\u3000");  // ideographic space is not ASCII
}

}  // namespace
}  // namespace zhanqun::base
