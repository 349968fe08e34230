// Ed25519 secret keys (OpenSSL) and minisign public key encoding.
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstring>

#include "signature_internal.h"
#include "zhanqun/base/encoding.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/base/strings.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {
namespace {

using namespace signature_internal;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Wipes a buffer that held secret key material when it goes out of scope.
class Wiper {
 public:
  explicit Wiper(std::string& s) : s_(s) {}
  ~Wiper() { OPENSSL_cleanse(s_.data(), s_.size()); }
  Wiper(const Wiper&) = delete;
  Wiper& operator=(const Wiper&) = delete;

 private:
  std::string& s_;
};

PublicKey PublicKeyOf(EVP_PKEY* pkey) {
  PublicKey key;
  std::size_t len = key.bytes.size();
  if (EVP_PKEY_get_raw_public_key(pkey, key.bytes.data(), &len) != 1 || len != key.bytes.size()) {
    Die("EVP_PKEY_get_raw_public_key");
  }
  key.key_id = DeriveKeyId(key.bytes);
  return key;
}

// The base64 line of a minisign key file, or the text itself if it is bare.
std::string_view PublicKeyLine(std::string_view text) {
  text = base::TrimAscii(text);
  if (text.substr(0, kUntrustedPrefix.size()) != kUntrustedPrefix) return text;
  std::size_t eol = text.find('\n');
  if (eol == std::string_view::npos) return {};
  std::string_view rest = text.substr(eol + 1);
  return base::TrimAscii(rest.substr(0, rest.find('\n')));
}

}  // namespace

// Key and public key files are tiny; a bound keeps a wrong path from reading
// a huge file into memory.
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

// "key file /k has mode 0644; ..." reads as one sentence; other errors get
// the prefix as context.
base::Status KeyFileError(const base::Status& s) {
  if (s.code() == base::Code::kPermissionDenied) {
    return base::Status(s.code(), "key file " + s.message());
  }
  return s.Context("key file");
}

struct SecretKey::Impl {
  PkeyPtr pkey;
};

SecretKey::SecretKey(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)), public_key_(PublicKeyOf(impl_->pkey.get())) {}
SecretKey::~SecretKey() = default;
SecretKey::SecretKey(SecretKey&&) noexcept = default;
SecretKey& SecretKey::operator=(SecretKey&&) noexcept = default;

base::Result<SecretKey> SecretKey::Generate() {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) {
    ERR_clear_error();
    return base::Status::Internal(
        "cannot generate an Ed25519 key (OpenSSL EVP_PKEY_Q_keygen failed)");
  }
  return SecretKey(std::make_unique<Impl>(Impl{std::move(pkey)}));
}

base::Result<SecretKey> SecretKey::Load(const std::string& path, base::Env& env) {
  base::Result<std::string> pem = env.ReadSecretFile(path, kMaxKeyFileBytes);
  if (!pem.ok()) return KeyFileError(pem.status());
  Wiper wipe(*pem);
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  if (!bio) Die("BIO_new_mem_buf");
  // A callback that supplies no passphrase, so an encrypted key fails here
  // instead of prompting on the daemon's terminal.
  auto no_passphrase = [](char*, int, int, void*) -> int { return -1; };
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();
  if (!pkey) {
    return base::Status::Invalid("key file " + path +
                                 " does not hold an unencrypted PEM (PKCS#8) private key");
  }
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(pkey.get());
    return base::Status::Invalid("key file " + path + " holds a " + (type ? type : "non-Ed25519") +
                                 " key; an Ed25519 key is required");
  }
  return SecretKey(std::make_unique<Impl>(Impl{std::move(pkey)}));
}

base::Status SecretKey::Save(const std::string& path, base::Env& env) const {
  // A secure-heap memory BIO wipes the PEM text when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) Die("BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    Die("PEM_write_bio_PrivateKey");
  }
  BUF_MEM* pem = nullptr;
  BIO_get_mem_ptr(bio.get(), &pem);
  ZQ_RETURN_IF_ERROR(env.CreateFile(path, std::string_view(pem->data, pem->length), 0600));
  // The public half is derived from the key just written, so replacing a stale
  // <path>.pub is correct.
  const std::string pub =
      FormatPublicKeyFile(public_key_, "zhanqun public key " + public_key_.KeyIdHex());
  return env.WriteFileAtomic(path + ".pub", pub, 0644, base::Env::Sync::kDurable);
}

std::array<std::uint8_t, 64> SecretKey::SignRaw(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::array<std::uint8_t, 64> sig{};
  std::size_t len = sig.size();
  // Ed25519 is used in its pure form: no digest is named.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, Bytes(message), message.size()) != 1 ||
      len != sig.size()) {
    Die("Ed25519 signing");
  }
  return sig;
}

std::array<std::uint8_t, 8> DeriveKeyId(const std::array<std::uint8_t, 32>& pk) {
  const std::string digest = base::Sha256(AsView(pk));
  std::array<std::uint8_t, 8> id{};
  std::memcpy(id.data(), digest.data(), id.size());
  return id;
}

std::string PublicKeyBase64(const PublicKey& key) {
  std::string blob(kPublicKeyAlg);
  blob += AsView(key.key_id);
  blob += AsView(key.bytes);
  return base::Base64Encode(blob);
}

std::string FormatPublicKeyFile(const PublicKey& key, const std::string& comment) {
  return std::string(kUntrustedPrefix) + comment + "\n" + PublicKeyBase64(key) + "\n";
}

base::Result<PublicKey> ParsePublicKey(std::string_view text) {
  std::string_view line = PublicKeyLine(text);
  if (line.empty())
    return base::Status::Invalid("public key: no base64 line after the comment line");
  base::Result<std::string> blob = base::Base64Decode(line);
  if (!blob.ok()) return blob.status().Context("public key");
  if (blob->size() != kPublicKeyBlobBytes) {
    return base::Status::Invalid(
        "public key decodes to " + std::to_string(blob->size()) +
        " bytes; expected 42 (\"Ed\", 8-byte key id, 32-byte Ed25519 key)");
  }
  if (std::string_view(*blob).substr(0, 2) != kPublicKeyAlg) {
    return base::Status::Invalid("public key algorithm is not \"Ed\" (Ed25519)");
  }
  PublicKey key;
  std::memcpy(key.key_id.data(), blob->data() + 2, key.key_id.size());
  std::memcpy(key.bytes.data(), blob->data() + 2 + key.key_id.size(), key.bytes.size());
  return key;
}

base::Result<PublicKey> LoadPublicKeyFile(const std::string& path, base::Env& env) {
  base::Result<std::string> text = env.ReadFile(path, kMaxKeyFileBytes);
  if (!text.ok()) return text.status().Context("public key file");
  base::Result<PublicKey> key = ParsePublicKey(*text);
  if (!key.ok()) return key.status().Context(path);
  return key;
}

}  // namespace zhanqun::feeds
