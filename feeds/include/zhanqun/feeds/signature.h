// Ed25519 keys and minisign-compatible signatures (OpenSSL).
//
// Encodings follow minisign (https://jedisct1.github.io/minisign/):
//  - public key: base64("Ed" || key_id[8] || pk[32])
//  - signature:  base64("ED" || key_id[8] || Ed25519(sk, BLAKE2b-512(msg)))
//  - global signature: Ed25519(sk, sig[64] || trusted_comment)
// so `minisign -V -m msg -P <pubkey> -x <file.minisig>` verifies what Sign makes.
// Secret keys are stored as PKCS#8 PEM with file mode 0600; Load refuses a
// file readable or writable by group or others.
//
// SecretKey is immutable after construction and safe to share across threads.
#ifndef ZHANQUN_FEEDS_SIGNATURE_H_
#define ZHANQUN_FEEDS_SIGNATURE_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/env.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::feeds {

// A minisign signature as the <zq:signature> element of an entry carries it
// (atom.h): the four parts of a .minisig file.
struct SignatureElement {
  std::string key_id;            // 16 uppercase hex digits
  std::string signature;         // base64 of "ED" || key_id[8] || sig[64]
  std::string trusted_comment;   // minisign trusted comment (no prefix)
  std::string global_signature;  // base64 of the 64-byte global signature
  bool operator==(const SignatureElement&) const = default;
};

class SecretKey {
 public:
  ~SecretKey();
  SecretKey(SecretKey&&) noexcept;
  SecretKey& operator=(SecretKey&&) noexcept;

  static base::Result<SecretKey> Generate();
  // Reads a PEM key; kPermissionDenied if the mode is looser than 0600.
  static base::Result<SecretKey> Load(const std::string& path,
                                      base::Env& env = base::Env::Default());
  // Writes the key with mode 0600 (created exclusively: fails if it exists),
  // and the public key beside it as <path>.pub in minisign format.
  base::Status Save(const std::string& path, base::Env& env = base::Env::Default()) const;

  const PublicKey& public_key() const { return public_key_; }
  // Raw Ed25519 signature over `message`.
  std::array<std::uint8_t, 64> SignRaw(std::string_view message) const;

 private:
  struct Impl;
  explicit SecretKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  PublicKey public_key_;
};

// Key id derivation: first 8 bytes of SHA-256(pk).
std::array<std::uint8_t, 8> DeriveKeyId(const std::array<std::uint8_t, 32>& pk);

// minisign public key file text: "untrusted comment: ...\n<base64>\n".
std::string FormatPublicKeyFile(const PublicKey& key, const std::string& comment);
// Accepts the file text or the bare base64 line.
base::Result<PublicKey> ParsePublicKey(std::string_view text);
base::Result<PublicKey> LoadPublicKeyFile(const std::string& path,
                                          base::Env& env = base::Env::Default());
std::string PublicKeyBase64(const PublicKey& key);  // the bare base64 line

// Signs `message` minisign-style (prehashed "ED").
SignatureElement SignMessage(const SecretKey& key, std::string_view message,
                             const std::string& trusted_comment);
// Verifies both the signature and the global signature over the comment.
base::Status VerifyMessage(const PublicKey& key, std::string_view message,
                           const SignatureElement& sig);
base::Status VerifyRaw(const PublicKey& key, std::string_view message,
                       const std::array<std::uint8_t, 64>& sig);

// A .minisig file as minisign writes it.
std::string FormatMinisig(const SignatureElement& sig);

// A key trusted for a range of one origin's log: it may sign the entries
// with from_seq <= seq < until_seq (until_seq 0: no end). Re-keying a node
// ends one grant and starts the next at the same seq; revoking a key ends
// its grant at the revocation point.
struct KeyGrant {
  PublicKey key;
  std::uint64_t from_seq = 1;
  std::uint64_t until_seq = 0;
  bool Covers(std::uint64_t seq) const {
    return seq >= from_seq && (until_seq == 0 || seq < until_seq);
  }
  bool operator==(const KeyGrant&) const = default;
};
// "from seq 3", "from seq 3 until seq 9 (revoked)" style text for errors.
std::string DescribeGrant(const KeyGrant& g);

// The grants a registry entry states for its node: one per key with that
// key's span; none at all when the node is removed (nothing of it verifies).
std::vector<KeyGrant> NodeGrants(const Node& n);
// The key that signs the node's reports now: the newest one granted without
// end; nullopt when its keys are all revoked or the node is removed.
std::optional<PublicKey> CurrentNodeKey(const Node& n);

// Keys trusted per origin, each for a range of its log; several per origin
// so keys can rotate. Not thread-safe; callers synchronize.
class TrustStore {
 public:
  // Trusts `key` for the whole log (merged into an existing grant of the same key).
  void Add(const std::string& origin, const PublicKey& key);
  // Trusts a key for a range; a grant for the same key replaces the old one.
  void Grant(const std::string& origin, const KeyGrant& grant);
  // Replaces every grant of `origin` (a registry entry restates them all).
  void Set(const std::string& origin, std::vector<KeyGrant> grants);
  // nullptr when the origin has no key with that id.
  const PublicKey* Find(const std::string& origin, const std::string& key_id_hex) const;
  // The grant of that key id for `origin`, whatever its range; nullptr if none.
  const KeyGrant* FindGrant(const std::string& origin, const std::string& key_id_hex) const;
  std::vector<PublicKey> Keys(const std::string& origin) const;
  std::vector<KeyGrant> Grants(const std::string& origin) const;
  bool HasOrigin(const std::string& origin) const;

 private:
  std::map<std::string, std::vector<KeyGrant>> grants_;
};

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_SIGNATURE_H_
