#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "feeds/key_support.h"
#include "test_support.h"
#include "zhanqun/base/encoding.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {
namespace {

using testing::ModeOf;
using testing::NewKey;
using testing::ReadText;
using testing::TempDir;
using testing::WriteText;

// Runs the stock minisign CLI; returns the exit status of std::system (0 = verified).
int MinisignVerify(const std::string& msg, const std::string& pub, const std::string& sig) {
  const std::string cmd =
      "minisign -V -q -m '" + msg + "' -p '" + pub + "' -x '" + sig + "' >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

// Flips one bit inside the decoded bytes of a base64 field.
std::string FlipBase64Bit(const std::string& b64, std::size_t byte) {
  base::Result<std::string> raw = base::Base64Decode(b64);
  REQUIRE(raw.ok());
  REQUIRE(byte < raw->size());
  (*raw)[byte] = static_cast<char>((*raw)[byte] ^ 0x01);
  return base::Base64Encode(*raw);
}

// Made with the stock tool: minisign -G -W; minisign -S [-l] -t ...
constexpr const char* kMinisignPub =
    "untrusted comment: minisign public key C095320A82BA92C0\n"
    "RWTAkrqCCjKVwHEbPgjHBhwJp14anl74LxpHcjo4DrPGzx9fbgwshbeN\n";
constexpr const char* kMinisignMessage = "zhanqun interop\n";

SignatureElement MinisignPrehashed() {
  return {"C095320A82BA92C0",
          "RUTAkrqCCjKVwJTYYWFiEBM+rB9nGA4MwKNpimPnzhXtp4AaldVpNknPw1BErKX8jvmEwxLk3Mv+CsqL2cOyZHnK"
          "DxD+iDexOQ4=",
          "made by stock minisign",
          "B0WgY5pLqugD4He4St21K01mpPnVrSaXxG93wdwVrpKRFv8plFHGsvy85hH2rJmeEhFlEGdK5dSfdINfGYX4BQ"
          "=="};
}

SignatureElement MinisignLegacy() {
  return {"C095320A82BA92C0",
          "RWTAkrqCCjKVwJtMGWTaaCTHJYytdLi8fJdc56VDy/WEfui4N14ABLShPVZ2LGFxTYEPZI61c38LHcAqs0kfTJ4T"
          "g3+HZdYdtwE=",
          "legacy",
          "sSmXd0hz970uXSpGD/NqWc/NFg7n9d1DPTxNKYO3g/4Y/odtQh+ZEb53HIXiJaIyQUfKfK/IIr7yycecCRPXCw"
          "=="};
}

// A P-256 key: valid PKCS#8, wrong algorithm.
constexpr const char* kEcKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUJc+yLPpcM6AYDuG\n"
    "60ADS7e/4uDlG9sHNFwT+xUC3zOhRANCAASDt8ZIG0dlfeql+tGZqL/w1PY6ICNg\n"
    "iEsPP/wIBsF5xvce16xFMuzgbwE73r75uPIvFfMcyJ+YUd3hbpQmV4b+\n"
    "-----END PRIVATE KEY-----\n";

}  // namespace

TEST_CASE("a generated key saves with mode 0600 and loads back to the same key",
          "[feeds][signature]") {
  TempDir dir;
  const std::string path = dir.File("hub.pem");
  SecretKey key = NewKey();
  REQUIRE(key.Save(path).ok());

  CHECK(ModeOf(path) == 0600);
  CHECK(ModeOf(path + ".pub") == 0644);
  CHECK(ReadText(path).rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);

  base::Result<SecretKey> loaded = SecretKey::Load(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == key.public_key());
  const std::array<std::uint8_t, 64> sig = loaded->SignRaw("message");
  CHECK(VerifyRaw(key.public_key(), "message", sig).ok());

  base::Result<PublicKey> pub = LoadPublicKeyFile(path + ".pub");
  REQUIRE(pub.ok());
  CHECK(*pub == key.public_key());
  CHECK(ReadText(path + ".pub") ==
        FormatPublicKeyFile(key.public_key(), "zhanqun public key " + key.public_key().KeyIdHex()));
}

TEST_CASE("loading a key file readable by group or others is refused, naming the mode",
          "[feeds][signature][security]") {
  TempDir dir;
  const std::string path = dir.File("k.pem");
  REQUIRE(NewKey().Save(path).ok());

  REQUIRE(chmod(path.c_str(), 0644) == 0);
  base::Result<SecretKey> loaded = SecretKey::Load(path);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == base::Code::kPermissionDenied);
  CHECK(loaded.status().message() ==
        "key file " + path + " has mode 0644; it must be 0600 (chmod 600 " + path + ")");

  REQUIRE(chmod(path.c_str(), 0640) == 0);
  CHECK(SecretKey::Load(path).status().code() == base::Code::kPermissionDenied);
  REQUIRE(chmod(path.c_str(), 0602) == 0);
  CHECK(SecretKey::Load(path).status().code() == base::Code::kPermissionDenied);
  REQUIRE(chmod(path.c_str(), 0400) == 0);
  CHECK(SecretKey::Load(path).ok());
}

TEST_CASE("saving a key never overwrites an existing file", "[feeds][signature][security]") {
  TempDir dir;
  const std::string path = dir.File("k.pem");
  SecretKey first = NewKey();
  REQUIRE(first.Save(path).ok());
  const std::string before = ReadText(path);

  base::Status s = NewKey().Save(path);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == base::Code::kAlreadyExists);
  CHECK(ReadText(path) == before);
  base::Result<SecretKey> loaded = SecretKey::Load(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == first.public_key());
}

TEST_CASE("loading rejects missing files, garbage and keys that are not Ed25519",
          "[feeds][signature]") {
  TempDir dir;
  CHECK(SecretKey::Load(dir.File("absent.pem")).status().code() == base::Code::kNotFound);

  const std::string garbage = dir.File("garbage.pem");
  WriteText(garbage, "not a key\n");
  REQUIRE(chmod(garbage.c_str(), 0600) == 0);
  CHECK(SecretKey::Load(garbage).status().code() == base::Code::kInvalidArgument);

  const std::string ec = dir.File("ec.pem");
  WriteText(ec, kEcKeyPem);
  REQUIRE(chmod(ec.c_str(), 0600) == 0);
  base::Result<SecretKey> loaded = SecretKey::Load(ec);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == base::Code::kInvalidArgument);
  CHECK_THAT(loaded.status().message(), Catch::Contains("Ed25519 key is required"));
}

TEST_CASE("a signed message verifies with the signer's public key", "[feeds][signature]") {
  SecretKey key = NewKey();
  SignatureElement sig = SignMessage(key, "policy text", "zhanqun origin=000000 seq=1 hash=ab");
  CHECK(sig.key_id == key.public_key().KeyIdHex());
  CHECK(sig.trusted_comment == "zhanqun origin=000000 seq=1 hash=ab");

  base::Result<std::string> blob = base::Base64Decode(sig.signature);
  REQUIRE(blob.ok());
  REQUIRE(blob->size() == 74);
  CHECK(blob->substr(0, 2) == "ED");
  CHECK(blob->substr(2, 8) ==
        std::string(key.public_key().key_id.begin(), key.public_key().key_id.end()));

  CHECK(VerifyMessage(key.public_key(), "policy text", sig).ok());
  CHECK(VerifyMessage(key.public_key(), "", SignMessage(key, "", "empty")).ok());
}

TEST_CASE("changing the message, signature or trusted comment fails verification",
          "[feeds][signature][security]") {
  SecretKey key = NewKey();
  const std::string message = "policy text";
  const SignatureElement sig = SignMessage(key, message, "comment");
  const PublicKey& pub = key.public_key();

  SECTION("flipped byte in the message") {
    std::string tampered = message;
    tampered[3] = static_cast<char>(tampered[3] ^ 0x20);
    base::Status s = VerifyMessage(pub, tampered, sig);
    CHECK(s.code() == base::Code::kUnauthenticated);
    CHECK(s.message() == "signature does not verify for key " + pub.KeyIdHex());
  }
  SECTION("flipped byte in the signature") {
    SignatureElement bad = sig;
    bad.signature = FlipBase64Bit(sig.signature, 40);
    CHECK(VerifyMessage(pub, message, bad).code() == base::Code::kUnauthenticated);
  }
  SECTION("changed trusted comment") {
    SignatureElement bad = sig;
    bad.trusted_comment = "commenT";
    base::Status s = VerifyMessage(pub, message, bad);
    CHECK(s.code() == base::Code::kUnauthenticated);
    CHECK_THAT(s.message(), Catch::Contains("trusted comment signature does not verify"));
  }
  SECTION("flipped byte in the global signature") {
    SignatureElement bad = sig;
    bad.global_signature = FlipBase64Bit(sig.global_signature, 10);
    CHECK(VerifyMessage(pub, message, bad).code() == base::Code::kUnauthenticated);
  }
  SECTION("trusted comment with a line break") {
    SignatureElement bad = SignMessage(key, message, "two\nlines");
    CHECK(VerifyMessage(pub, message, bad).code() == base::Code::kUnauthenticated);
  }
  SECTION("signature that is not base64 or has the wrong length") {
    SignatureElement bad = sig;
    bad.signature = "!!!!";
    CHECK(VerifyMessage(pub, message, bad).code() == base::Code::kUnauthenticated);
    bad.signature = base::Base64Encode("EDshort");
    CHECK(VerifyMessage(pub, message, bad).code() == base::Code::kUnauthenticated);
  }
  SECTION("unknown algorithm tag") {
    base::Result<std::string> blob = base::Base64Decode(sig.signature);
    REQUIRE(blob.ok());
    (*blob)[1] = 'X';
    SignatureElement bad = sig;
    bad.signature = base::Base64Encode(*blob);
    CHECK(VerifyMessage(pub, message, bad).code() == base::Code::kUnauthenticated);
  }
}

TEST_CASE("a signature does not verify under another key or key id",
          "[feeds][signature][security]") {
  SecretKey key = NewKey();
  SecretKey other = NewKey();
  const SignatureElement sig = SignMessage(key, "text", "comment");

  base::Status s = VerifyMessage(other.public_key(), "text", sig);
  CHECK(s.code() == base::Code::kUnauthenticated);
  CHECK(s.message() == "signature was made with key " + key.public_key().KeyIdHex() + ", not key " +
                           other.public_key().KeyIdHex());

  // Right key bytes, but the key id it is registered under differs.
  PublicKey relabeled = key.public_key();
  relabeled.key_id[0] = static_cast<std::uint8_t>(relabeled.key_id[0] ^ 0xff);
  CHECK(VerifyMessage(relabeled, "text", sig).code() == base::Code::kUnauthenticated);

  // Element's key id field disagrees with the signature blob.
  SignatureElement renamed = sig;
  renamed.key_id = other.public_key().KeyIdHex();
  CHECK(VerifyMessage(key.public_key(), "text", renamed).code() == base::Code::kUnauthenticated);
}

TEST_CASE("signatures made by the stock minisign tool verify, prehashed and legacy",
          "[feeds][signature][minisign]") {
  base::Result<PublicKey> pub = ParsePublicKey(kMinisignPub);
  REQUIRE(pub.ok());
  CHECK(pub->KeyIdHex() == "C095320A82BA92C0");
  CHECK(VerifyMessage(*pub, kMinisignMessage, MinisignPrehashed()).ok());
  CHECK(VerifyMessage(*pub, kMinisignMessage, MinisignLegacy()).ok());
  CHECK_FALSE(VerifyMessage(*pub, "zhanqun interop!\n", MinisignPrehashed()).ok());
  CHECK_FALSE(VerifyMessage(*pub, "zhanqun interop!\n", MinisignLegacy()).ok());
}

TEST_CASE("the stock minisign CLI verifies our signatures and rejects tampering",
          "[feeds][signature][minisign]") {
  TempDir dir;
  SecretKey key = NewKey();
  const std::string msg = dir.File("msg");
  const std::string sig_path = dir.File("msg.minisig");
  const std::string pub = dir.File("key.pub");
  const std::string message = "<entry>policy text, 政策文本</entry>\n";
  const SignatureElement sig = SignMessage(key, message, "zhanqun origin=000000 seq=1 hash=00");
  WriteText(msg, message);
  WriteText(sig_path, FormatMinisig(sig));
  WriteText(pub, FormatPublicKeyFile(key.public_key(), "zhanqun test key"));

  CHECK(MinisignVerify(msg, pub, sig_path) == 0);

  SECTION("tampered message") {
    WriteText(msg, "<entry>policy text, 政策文本!</entry>\n");
    CHECK(MinisignVerify(msg, pub, sig_path) != 0);
  }
  SECTION("tampered trusted comment") {
    SignatureElement bad = sig;
    bad.trusted_comment = "zhanqun origin=000000 seq=2 hash=00";
    WriteText(sig_path, FormatMinisig(bad));
    CHECK(MinisignVerify(msg, pub, sig_path) != 0);
  }
  SECTION("another key") {
    WriteText(pub, FormatPublicKeyFile(NewKey().public_key(), "other"));
    CHECK(MinisignVerify(msg, pub, sig_path) != 0);
  }
}

TEST_CASE("the minisig file has minisign's exact layout", "[feeds][signature][minisign]") {
  SignatureElement sig{"0123456789ABCDEF", "U0lH", "tc", "R0xPQg=="};
  CHECK(FormatMinisig(sig) ==
        "untrusted comment: signature from zhanqun\nU0lH\ntrusted comment: tc\nR0xPQg==\n");
}

TEST_CASE("public keys round trip through the minisign key file format", "[feeds][signature]") {
  SecretKey key = NewKey();
  const PublicKey& pub = key.public_key();
  const std::string text = FormatPublicKeyFile(pub, "zhanqun hub key");
  CHECK(text == "untrusted comment: zhanqun hub key\n" + PublicKeyBase64(pub) + "\n");

  base::Result<std::string> blob = base::Base64Decode(PublicKeyBase64(pub));
  REQUIRE(blob.ok());
  CHECK(blob->size() == 42);
  CHECK(blob->substr(0, 2) == "Ed");

  base::Result<PublicKey> parsed = ParsePublicKey(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == pub);
  base::Result<PublicKey> bare = ParsePublicKey(PublicKeyBase64(pub));
  REQUIRE(bare.ok());
  CHECK(*bare == pub);
  base::Result<PublicKey> crlf =
      ParsePublicKey("untrusted comment: x\r\n" + PublicKeyBase64(pub) + "\r\n");
  REQUIRE(crlf.ok());
  CHECK(*crlf == pub);

  CHECK(ParsePublicKey("").status().code() == base::Code::kInvalidArgument);
  CHECK(ParsePublicKey("untrusted comment: only a comment\n").status().code() ==
        base::Code::kInvalidArgument);
  CHECK(ParsePublicKey("RWQ*").status().code() == base::Code::kInvalidArgument);
  CHECK(ParsePublicKey(base::Base64Encode("Ed12345678")).status().code() ==
        base::Code::kInvalidArgument);
  std::string wrong_alg = *blob;
  wrong_alg[1] = 'X';
  CHECK(ParsePublicKey(base::Base64Encode(wrong_alg)).status().code() ==
        base::Code::kInvalidArgument);
}

TEST_CASE("key ids are the first 8 bytes of SHA-256 of the key, printed as minisign does",
          "[feeds][signature]") {
  SecretKey key = NewKey();
  const PublicKey& pub = key.public_key();
  const std::string digest_hex = base::Sha256Hex(std::string(pub.bytes.begin(), pub.bytes.end()));
  const std::string id(pub.key_id.begin(), pub.key_id.end());
  CHECK(DeriveKeyId(pub.bytes) == pub.key_id);
  CHECK(base::HexEncode(id) == digest_hex.substr(0, 16));
  std::string reversed(id.rbegin(), id.rend());
  CHECK(pub.KeyIdHex() == base::HexEncode(reversed, /*upper=*/true));
}

TEST_CASE("a trust store keeps several keys per origin and isolates origins",
          "[feeds][signature]") {
  SecretKey a = NewKey();
  SecretKey b = NewKey();
  TrustStore trust;
  CHECK_FALSE(trust.HasOrigin("000000"));
  trust.Add("000000", a.public_key());
  trust.Add("000000", b.public_key());
  trust.Add("000000", a.public_key());  // duplicates are ignored
  trust.Add("110000", b.public_key());

  CHECK(trust.HasOrigin("000000"));
  CHECK(trust.Keys("000000").size() == 2);
  CHECK(trust.Keys("120000").empty());
  const PublicKey* found = trust.Find("000000", a.public_key().KeyIdHex());
  REQUIRE(found != nullptr);
  CHECK(*found == a.public_key());
  CHECK(trust.Find("110000", a.public_key().KeyIdHex()) == nullptr);
  CHECK(trust.Find("110000", b.public_key().KeyIdHex()) != nullptr);
  CHECK(trust.Find("120000", b.public_key().KeyIdHex()) == nullptr);
}

TEST_CASE("a node's grants follow its registry entry: spans, and none once removed",
          "[feeds][signature][keys]") {
  SecretKey a = NewKey();
  SecretKey b = NewKey();
  Node n;
  n.code = "330000";
  n.keys = {a.public_key(), b.public_key()};
  std::vector<KeyGrant> whole = NodeGrants(n);
  REQUIRE(whole.size() == 2);
  CHECK(whole[0] == KeyGrant{a.public_key(), 1, 0});

  n.key_spans = {{1, 17}, {17, 0}};
  TrustStore trust;
  trust.Add("330000", a.public_key());
  trust.Set("330000", NodeGrants(n));  // replaces, does not add
  REQUIRE(trust.Grants("330000").size() == 2);
  const KeyGrant* old = trust.FindGrant("330000", a.public_key().KeyIdHex());
  REQUIRE(old != nullptr);
  CHECK(old->Covers(16));
  CHECK_FALSE(old->Covers(17));
  CHECK(trust.FindGrant("330000", b.public_key().KeyIdHex())->Covers(17));

  n.status = NodeStatus::kRemoved;
  CHECK(NodeGrants(n).empty());
  trust.Set("330000", NodeGrants(n));
  CHECK(trust.Keys("330000").empty());
}

}  // namespace zhanqun::feeds
