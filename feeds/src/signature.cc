#include "zhanqun/feeds/signature.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace zhanqun::feeds {
namespace {

// minisign algorithm tags: "ED" signs BLAKE2b-512(message), legacy "Ed" signs
// the message itself. Public keys always carry "Ed".
constexpr std::string_view kPrehashedAlg = "ED";
constexpr std::string_view kLegacyAlg = "Ed";
constexpr std::string_view kPublicKeyAlg = "Ed";
constexpr std::size_t kSignatureBlobBytes = 2 + 8 + 64;
constexpr std::size_t kPublicKeyBlobBytes = 2 + 8 + 32;
constexpr std::string_view kUntrustedPrefix = "untrusted comment: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";
constexpr const char* kMinisigUntrustedComment = "signature from zhanqun";
// Key and public key files are tiny; a bound keeps a wrong path from reading
// a huge file into memory.
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Closes a descriptor on every return path.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

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

// OpenSSL failing on a well-formed Ed25519 key means memory exhaustion or a
// broken library: an impossible state, so crash loudly rather than sign garbage.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "zhanqun: fatal: OpenSSL %s failed\n", what);
  std::abort();
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

template <std::size_t N>
std::string_view AsView(const std::array<std::uint8_t, N>& a) {
  return {reinterpret_cast<const char*>(a.data()), N};
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) Die("EVP_Digest");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string KeyIdHexOf(const std::array<std::uint8_t, 8>& key_id) {
  PublicKey key;
  key.key_id = key_id;
  return key.KeyIdHex();
}

std::string ModeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status ErrnoStatus(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(message);
  if (err == EEXIST) return Status(Code::kAlreadyExists, message);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(message);
  return Status::IoError(message);
}

// Reads a small regular file. With `secret`, refuses a file that group or
// others may read or write, before reading a byte of it.
Result<std::string> ReadSmallFile(const std::string& path, bool secret) {
  const char* kind = secret ? "key file " : "public key file ";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(std::string("cannot open ") + kind + path, errno);
  FdCloser closer(fd);
  // fstat on the open descriptor, so the mode checked is that of the file read.
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus(std::string("cannot stat ") + kind + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::Invalid(kind + path + " is not a regular file");
  if (secret && (st.st_mode & 077) != 0) {
    return Status::PermissionDenied(kind + path + " has mode " + ModeString(st.st_mode) +
                                    "; it must be 0600 (chmod 600 " + path + ")");
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxKeyFileBytes) {
    return Status::Invalid(kind + path + " is " + std::to_string(st.st_size) +
                           " bytes; a key file is at most " + std::to_string(kMaxKeyFileBytes));
  }
  // Sized once up front so a secret is never copied by a reallocation.
  std::string data(kMaxKeyFileBytes + 1, '\0');
  std::size_t used = 0;
  while (used < data.size()) {
    ssize_t n = read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      OPENSSL_cleanse(data.data(), used);
      return ErrnoStatus(std::string("cannot read ") + kind + path, err);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxKeyFileBytes) {
    OPENSSL_cleanse(data.data(), data.size());
    return Status::Invalid(kind + path + " grew beyond " + std::to_string(kMaxKeyFileBytes) +
                           " bytes while being read");
  }
  data.resize(used);
  return data;
}

Status WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("write", errno);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

// Writes `data` to `path` with exactly `mode` (fchmod, since umask may only
// narrow what open() grants). With `exclusive`, an existing file is an error
// and a partly written file is removed.
Status WriteFile(const std::string& path, const char* data, std::size_t size, mode_t mode,
                 bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (exclusive ? O_EXCL : O_TRUNC);
  int fd = open(path.c_str(), flags, mode);
  if (fd < 0) return ErrnoStatus("cannot create " + path, errno);
  Status s;
  {
    FdCloser closer(fd);
    if (fchmod(fd, mode) != 0) s = ErrnoStatus("cannot chmod " + path, errno);
    if (s.ok()) s = WriteAll(fd, data, size).Context("cannot write " + path);
    if (s.ok() && fsync(fd) != 0) s = ErrnoStatus("cannot sync " + path, errno);
  }
  if (!s.ok() && exclusive) unlink(path.c_str());
  return s;
}

PublicKey PublicKeyOf(EVP_PKEY* pkey) {
  PublicKey key;
  std::size_t len = key.bytes.size();
  if (EVP_PKEY_get_raw_public_key(pkey, key.bytes.data(), &len) != 1 || len != key.bytes.size()) {
    Die("EVP_PKEY_get_raw_public_key");
  }
  key.key_id = DeriveKeyId(key.bytes);
  return key;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The base64 line of a minisign key file, or the text itself if it is bare.
std::string_view PublicKeyLine(std::string_view text) {
  text = Trim(text);
  if (text.substr(0, kUntrustedPrefix.size()) != kUntrustedPrefix) return text;
  std::size_t eol = text.find('\n');
  if (eol == std::string_view::npos) return {};
  std::string_view rest = text.substr(eol + 1);
  return Trim(rest.substr(0, rest.find('\n')));
}

std::array<std::uint8_t, 64> ToSig64(std::string_view bytes) {
  std::array<std::uint8_t, 64> sig{};
  std::memcpy(sig.data(), bytes.data(), sig.size());
  return sig;
}

}  // namespace

struct SecretKey::Impl {
  PkeyPtr pkey;
};

SecretKey::SecretKey(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)), public_key_(PublicKeyOf(impl_->pkey.get())) {}
SecretKey::~SecretKey() = default;
SecretKey::SecretKey(SecretKey&&) noexcept = default;
SecretKey& SecretKey::operator=(SecretKey&&) noexcept = default;

Result<SecretKey> SecretKey::Generate() {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) {
    ERR_clear_error();
    return Status::Internal("cannot generate an Ed25519 key (OpenSSL EVP_PKEY_Q_keygen failed)");
  }
  return SecretKey(std::make_unique<Impl>(Impl{std::move(pkey)}));
}

Result<SecretKey> SecretKey::Load(const std::string& path) {
  Result<std::string> pem = ReadSmallFile(path, /*secret=*/true);
  if (!pem.ok()) return pem.status();
  Wiper wipe(*pem);
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  if (!bio) Die("BIO_new_mem_buf");
  // A callback that supplies no passphrase, so an encrypted key fails here
  // instead of prompting on the daemon's terminal.
  auto no_passphrase = [](char*, int, int, void*) -> int { return -1; };
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();
  if (!pkey) {
    return Status::Invalid("key file " + path +
                           " does not hold an unencrypted PEM (PKCS#8) private key");
  }
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(pkey.get());
    return Status::Invalid("key file " + path + " holds a " + (type ? type : "non-Ed25519") +
                           " key; an Ed25519 key is required");
  }
  return SecretKey(std::make_unique<Impl>(Impl{std::move(pkey)}));
}

Status SecretKey::Save(const std::string& path) const {
  // A secure-heap memory BIO wipes the PEM text when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) Die("BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    Die("PEM_write_bio_PrivateKey");
  }
  BUF_MEM* pem = nullptr;
  BIO_get_mem_ptr(bio.get(), &pem);
  ZQ_RETURN_IF_ERROR(WriteFile(path, pem->data, pem->length, 0600, /*exclusive=*/true));
  // The public half is derived from the key just written, so replacing a stale
  // <path>.pub is correct.
  const std::string pub =
      FormatPublicKeyFile(public_key_, "zhanqun public key " + public_key_.KeyIdHex());
  return WriteFile(path + ".pub", pub.data(), pub.size(), 0644, /*exclusive=*/false);
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
  const std::string digest = Digest(EVP_sha256(), AsView(pk));
  std::array<std::uint8_t, 8> id{};
  std::memcpy(id.data(), digest.data(), id.size());
  return id;
}

std::string PublicKeyBase64(const PublicKey& key) {
  std::string blob(kPublicKeyAlg);
  blob += AsView(key.key_id);
  blob += AsView(key.bytes);
  return Base64Encode(blob);
}

std::string FormatPublicKeyFile(const PublicKey& key, const std::string& comment) {
  return std::string(kUntrustedPrefix) + comment + "\n" + PublicKeyBase64(key) + "\n";
}

Result<PublicKey> ParsePublicKey(std::string_view text) {
  std::string_view line = PublicKeyLine(text);
  if (line.empty()) return Status::Invalid("public key: no base64 line after the comment line");
  Result<std::string> blob = Base64Decode(line);
  if (!blob.ok()) return blob.status().Context("public key");
  if (blob->size() != kPublicKeyBlobBytes) {
    return Status::Invalid("public key decodes to " + std::to_string(blob->size()) +
                           " bytes; expected 42 (\"Ed\", 8-byte key id, 32-byte Ed25519 key)");
  }
  if (std::string_view(*blob).substr(0, 2) != kPublicKeyAlg) {
    return Status::Invalid("public key algorithm is not \"Ed\" (Ed25519)");
  }
  PublicKey key;
  std::memcpy(key.key_id.data(), blob->data() + 2, key.key_id.size());
  std::memcpy(key.bytes.data(), blob->data() + 2 + key.key_id.size(), key.bytes.size());
  return key;
}

Result<PublicKey> LoadPublicKeyFile(const std::string& path) {
  Result<std::string> text = ReadSmallFile(path, /*secret=*/false);
  if (!text.ok()) return text.status();
  Result<PublicKey> key = ParsePublicKey(*text);
  if (!key.ok()) return key.status().Context(path);
  return key;
}

SignatureElement SignMessage(const SecretKey& key, std::string_view message,
                             const std::string& trusted_comment) {
  const std::array<std::uint8_t, 64> sig = key.SignRaw(Digest(EVP_blake2b512(), message));
  std::string blob(kPrehashedAlg);
  blob += AsView(key.public_key().key_id);
  blob += AsView(sig);
  // minisign's global signature covers the bare 64-byte signature, not the
  // algorithm tag or key id, followed by the comment without its prefix.
  std::string global_input(AsView(sig));
  global_input += trusted_comment;
  SignatureElement out;
  out.key_id = key.public_key().KeyIdHex();
  out.signature = Base64Encode(blob);
  out.trusted_comment = trusted_comment;
  out.global_signature = Base64Encode(AsView(key.SignRaw(global_input)));
  return out;
}

Status VerifyRaw(const PublicKey& key, std::string_view message,
                 const std::array<std::uint8_t, 64>& sig) {
  PkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes.data(), key.bytes.size()));
  if (!pkey) {
    ERR_clear_error();
    return Status::Unauthenticated("key " + key.KeyIdHex() + " is not a valid Ed25519 key");
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) Die("EVP_MD_CTX_new");
  bool ok =
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), Bytes(message), message.size()) == 1;
  ERR_clear_error();
  if (!ok) return Status::Unauthenticated("signature does not verify for key " + key.KeyIdHex());
  return Status::Ok();
}

Status VerifyMessage(const PublicKey& key, std::string_view message, const SignatureElement& sig) {
  Result<std::string> blob = Base64Decode(sig.signature);
  if (!blob.ok() || blob->size() != kSignatureBlobBytes) {
    return Status::Unauthenticated(
        "signature is not base64 of 74 bytes (\"ED\", key id, "
        "64-byte signature)");
  }
  const std::string_view view(*blob);
  const std::string_view alg = view.substr(0, 2);
  if (alg != kPrehashedAlg && alg != kLegacyAlg) {
    return Status::Unauthenticated("signature algorithm is not \"ED\" or \"Ed\" (Ed25519)");
  }
  std::array<std::uint8_t, 8> blob_key_id{};
  std::memcpy(blob_key_id.data(), view.data() + 2, blob_key_id.size());
  const std::string key_hex = key.KeyIdHex();
  if (blob_key_id != key.key_id) {
    return Status::Unauthenticated("signature was made with key " + KeyIdHexOf(blob_key_id) +
                                   ", not key " + key_hex);
  }
  if (sig.key_id != key_hex) {
    return Status::Unauthenticated("signature names key id \"" + sig.key_id.substr(0, 16) +
                                   "\" but was made with key " + key_hex);
  }
  // minisign cannot express a comment spanning lines; refusing one keeps
  // everything we accept verifiable with the stock tool.
  if (sig.trusted_comment.find_first_of("\r\n") != std::string::npos) {
    return Status::Unauthenticated("trusted comment contains a line break");
  }
  const std::array<std::uint8_t, 64> sig64 = ToSig64(view.substr(2 + 8));
  const std::string prehash = alg == kPrehashedAlg ? Digest(EVP_blake2b512(), message) : "";
  ZQ_RETURN_IF_ERROR(VerifyRaw(key, alg == kPrehashedAlg ? prehash : message, sig64));

  Result<std::string> global = Base64Decode(sig.global_signature);
  if (!global.ok() || global->size() != 64) {
    return Status::Unauthenticated("global signature is not base64 of 64 bytes");
  }
  std::string global_input(AsView(sig64));
  global_input += sig.trusted_comment;
  Status s = VerifyRaw(key, global_input, ToSig64(*global));
  if (!s.ok()) {
    return Status::Unauthenticated("trusted comment signature does not verify for key " + key_hex);
  }
  return Status::Ok();
}

std::string FormatMinisig(const SignatureElement& sig) {
  return std::string(kUntrustedPrefix) + kMinisigUntrustedComment + "\n" + sig.signature + "\n" +
         std::string(kTrustedPrefix) + sig.trusted_comment + "\n" + sig.global_signature + "\n";
}

void TrustStore::Add(const std::string& origin, const PublicKey& key) {
  std::vector<PublicKey>& keys = keys_[origin];
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
}

const PublicKey* TrustStore::Find(const std::string& origin, const std::string& key_id_hex) const {
  auto it = keys_.find(origin);
  if (it == keys_.end()) return nullptr;
  for (const PublicKey& key : it->second) {
    if (key.KeyIdHex() == key_id_hex) return &key;
  }
  return nullptr;
}

std::vector<PublicKey> TrustStore::Keys(const std::string& origin) const {
  auto it = keys_.find(origin);
  return it == keys_.end() ? std::vector<PublicKey>{} : it->second;
}

bool TrustStore::HasOrigin(const std::string& origin) const {
  auto it = keys_.find(origin);
  return it != keys_.end() && !it->second.empty();
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Digest(EVP_sha256(), data)); }

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

Result<std::string> Base64Decode(std::string_view text) {
  text = Trim(text);
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

}  // namespace zhanqun::feeds
