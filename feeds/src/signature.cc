#include "zhanqun/feeds/signature.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "signature_internal.h"
#include "zhanqun/base/encoding.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/base/strings.h"

namespace zhanqun::feeds {
namespace {

using namespace signature_internal;

constexpr const char* kMinisigUntrustedComment = "signature from zhanqun";

std::string KeyIdHexOf(const std::array<std::uint8_t, 8>& key_id) {
  PublicKey key;
  key.key_id = key_id;
  return key.KeyIdHex();
}

std::array<std::uint8_t, 64> ToSig64(std::string_view bytes) {
  std::array<std::uint8_t, 64> sig{};
  std::memcpy(sig.data(), bytes.data(), sig.size());
  return sig;
}

}  // namespace

SignatureElement SignMessage(const SecretKey& key, std::string_view message,
                             const std::string& trusted_comment) {
  const std::array<std::uint8_t, 64> sig = key.SignRaw(base::Blake2b512(message));
  std::string blob(kPrehashedAlg);
  blob += AsView(key.public_key().key_id);
  blob += AsView(sig);
  // minisign's global signature covers the bare 64-byte signature, not the
  // algorithm tag or key id, followed by the comment without its prefix.
  std::string global_input(AsView(sig));
  global_input += trusted_comment;
  SignatureElement out;
  out.key_id = key.public_key().KeyIdHex();
  out.signature = base::Base64Encode(blob);
  out.trusted_comment = trusted_comment;
  out.global_signature = base::Base64Encode(AsView(key.SignRaw(global_input)));
  return out;
}

namespace {

// Decoding a public key (an Ed25519 point decompression) costs about a third
// of a verification, and every node verifies with the same few keys again and
// again: decoded keys are kept, up to the size of the national registry.
class PkeyCache {
 public:
  std::shared_ptr<EVP_PKEY> Get(const PublicKey& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = keys_.find(key.bytes);
    if (it != keys_.end()) return it->second;
    std::shared_ptr<EVP_PKEY> pkey(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes.data(), key.bytes.size()),
        EVP_PKEY_free);
    if (!pkey) return nullptr;
    if (keys_.size() >= kMaxKeys) keys_.clear();
    keys_.emplace(key.bytes, pkey);
    return pkey;
  }

 private:
  static constexpr std::size_t kMaxKeys = 8192;
  std::mutex mu_;
  std::map<std::array<std::uint8_t, 32>, std::shared_ptr<EVP_PKEY>> keys_;
};

PkeyCache& Pkeys() {
  static PkeyCache* cache = new PkeyCache;  // never destroyed: used until exit
  return *cache;
}

}  // namespace

base::Status VerifyRaw(const PublicKey& key, std::string_view message,
                       const std::array<std::uint8_t, 64>& sig) {
  std::shared_ptr<EVP_PKEY> pkey = Pkeys().Get(key);
  if (!pkey) {
    ERR_clear_error();
    return base::Status::Unauthenticated("key " + key.KeyIdHex() + " is not a valid Ed25519 key");
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) Die("EVP_MD_CTX_new");
  bool ok =
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), Bytes(message), message.size()) == 1;
  ERR_clear_error();
  if (!ok)
    return base::Status::Unauthenticated("signature does not verify for key " + key.KeyIdHex());
  return base::Status::Ok();
}

namespace {

// Checks that the decoded signature blob `view` and `sig` name `key`, and that
// the trusted comment is one line. REQUIRES: view.size() == kSignatureBlobBytes.
base::Status CheckSignedBy(const PublicKey& key, std::string_view view,
                           const SignatureElement& sig) {
  std::array<std::uint8_t, 8> blob_key_id{};
  std::memcpy(blob_key_id.data(), view.data() + 2, blob_key_id.size());
  const std::string key_hex = key.KeyIdHex();
  if (blob_key_id != key.key_id) {
    return base::Status::Unauthenticated("signature was made with key " + KeyIdHexOf(blob_key_id) +
                                         ", not key " + key_hex);
  }
  if (sig.key_id != key_hex) {
    return base::Status::Unauthenticated("signature names key id \"" + sig.key_id.substr(0, 16) +
                                         "\" but was made with key " + key_hex);
  }
  // minisign cannot express a comment spanning lines; refusing one keeps
  // everything we accept verifiable with the stock tool.
  if (sig.trusted_comment.find_first_of("\r\n") != std::string::npos) {
    return base::Status::Unauthenticated("trusted comment contains a line break");
  }
  return base::Status::Ok();
}

// Verifies the global signature over `sig64` and the trusted comment.
base::Status VerifyGlobalSignature(const PublicKey& key, const std::array<std::uint8_t, 64>& sig64,
                                   const SignatureElement& sig) {
  base::Result<std::string> global = base::Base64Decode(sig.global_signature);
  if (!global.ok() || global->size() != 64) {
    return base::Status::Unauthenticated("global signature is not base64 of 64 bytes");
  }
  std::string global_input(AsView(sig64));
  global_input += sig.trusted_comment;
  base::Status s = VerifyRaw(key, global_input, ToSig64(*global));
  if (!s.ok()) {
    return base::Status::Unauthenticated("trusted comment signature does not verify for key " +
                                         key.KeyIdHex());
  }
  return base::Status::Ok();
}

}  // namespace

base::Status VerifyMessage(const PublicKey& key, std::string_view message,
                           const SignatureElement& sig) {
  base::Result<std::string> blob = base::Base64Decode(sig.signature);
  if (!blob.ok() || blob->size() != kSignatureBlobBytes) {
    return base::Status::Unauthenticated(
        "signature is not base64 of 74 bytes (\"ED\", key id, "
        "64-byte signature)");
  }
  const std::string_view view(*blob);
  const std::string_view alg = view.substr(0, 2);
  if (alg != kPrehashedAlg && alg != kLegacyAlg) {
    return base::Status::Unauthenticated("signature algorithm is not \"ED\" or \"Ed\" (Ed25519)");
  }
  ZQ_RETURN_IF_ERROR(CheckSignedBy(key, view, sig));
  const std::array<std::uint8_t, 64> sig64 = ToSig64(view.substr(2 + 8));
  const std::string prehash = alg == kPrehashedAlg ? base::Blake2b512(message) : "";
  ZQ_RETURN_IF_ERROR(VerifyRaw(key, alg == kPrehashedAlg ? prehash : message, sig64));
  return VerifyGlobalSignature(key, sig64, sig);
}

std::string FormatMinisig(const SignatureElement& sig) {
  return std::string(kUntrustedPrefix) + kMinisigUntrustedComment + "\n" + sig.signature + "\n" +
         std::string(kTrustedPrefix) + sig.trusted_comment + "\n" + sig.global_signature + "\n";
}

std::string DescribeGrant(const KeyGrant& g) {
  std::string out = "from seq " + std::to_string(g.from_seq);
  if (g.until_seq != 0) out += " until seq " + std::to_string(g.until_seq);
  return out;
}

std::vector<KeyGrant> NodeGrants(const Node& n) {
  std::vector<KeyGrant> grants;
  if (n.status == NodeStatus::kRemoved) return grants;
  for (std::size_t i = 0; i < n.keys.size(); ++i) {
    KeySpan span = n.SpanOf(i);
    grants.push_back(KeyGrant{n.keys[i], span.from_seq, span.until_seq});
  }
  return grants;
}

std::optional<PublicKey> CurrentNodeKey(const Node& n) {
  std::optional<PublicKey> current;
  for (const KeyGrant& g : NodeGrants(n))
    if (g.until_seq == 0) current = g.key;
  return current;
}

void TrustStore::Add(const std::string& origin, const PublicKey& key) {
  Grant(origin, KeyGrant{key, 1, 0});
}

void TrustStore::Grant(const std::string& origin, const KeyGrant& grant) {
  std::vector<KeyGrant>& grants = grants_[origin];
  for (KeyGrant& g : grants) {
    if (g.key == grant.key) {
      g = grant;
      return;
    }
  }
  grants.push_back(grant);
}

void TrustStore::Set(const std::string& origin, std::vector<KeyGrant> grants) {
  grants_[origin] = std::move(grants);
}

const KeyGrant* TrustStore::FindGrant(const std::string& origin,
                                      const std::string& key_id_hex) const {
  auto it = grants_.find(origin);
  if (it == grants_.end()) return nullptr;
  for (const KeyGrant& g : it->second) {
    if (g.key.KeyIdHex() == key_id_hex) return &g;
  }
  return nullptr;
}

const PublicKey* TrustStore::Find(const std::string& origin, const std::string& key_id_hex) const {
  const KeyGrant* g = FindGrant(origin, key_id_hex);
  return g == nullptr ? nullptr : &g->key;
}

std::vector<PublicKey> TrustStore::Keys(const std::string& origin) const {
  std::vector<PublicKey> out;
  for (const KeyGrant& g : Grants(origin)) out.push_back(g.key);
  return out;
}

std::vector<KeyGrant> TrustStore::Grants(const std::string& origin) const {
  auto it = grants_.find(origin);
  return it == grants_.end() ? std::vector<KeyGrant>{} : it->second;
}

bool TrustStore::HasOrigin(const std::string& origin) const {
  auto it = grants_.find(origin);
  return it != grants_.end() && !it->second.empty();
}

}  // namespace zhanqun::feeds
