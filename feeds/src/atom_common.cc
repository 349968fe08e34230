// Helpers shared by the Atom codec files; see atom_internal.h.
#include <openssl/evp.h>

#include <cstring>
#include <limits>

#include "atom_internal.h"

namespace zhanqun::feeds::atom_internal {
namespace {

// Private base64 (signature.cc owns the public one); keeps the codec standalone.
std::string Base64(const std::uint8_t* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

}  // namespace

std::string Quote(std::string_view s) {
  constexpr std::size_t kMax = 80;
  if (s.size() > kMax) return "'" + std::string(s.substr(0, kMax)) + "...'";
  return "'" + std::string(s) + "'";
}

std::string EntryId(const LogPosition& log) {
  return "urn:zhanqun:" + log.origin + ":" + std::to_string(log.seq);
}

std::optional<std::string> Unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  std::size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    char c = text[i];
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '+' && c != '/') return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
  if (len < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(len) - pad);
  return out;
}

std::string KeyBase64(const PublicKey& key) {
  std::uint8_t raw[42] = {'E', 'd'};
  std::memcpy(raw + 2, key.key_id.data(), 8);
  std::memcpy(raw + 10, key.bytes.data(), 32);
  return Base64(raw, sizeof raw);
}

std::optional<PublicKey> ParseKeyBase64(std::string_view text) {
  std::optional<std::string> raw = Unbase64(text);
  if (!raw || raw->size() != 42 || raw->substr(0, 2) != "Ed") return std::nullopt;
  PublicKey key;
  std::memcpy(key.key_id.data(), raw->data() + 2, 8);
  std::memcpy(key.bytes.data(), raw->data() + 10, 32);
  return key;
}

bool IsHex(std::string_view s, std::size_t len, bool upper) {
  if (s.size() != len) return false;
  for (char c : s) {
    bool digit = c >= '0' && c <= '9';
    bool letter = upper ? (c >= 'A' && c <= 'F') : (c >= 'a' && c <= 'f');
    if (!digit && !letter) return false;
  }
  return true;
}

std::optional<std::uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

base::Result<std::string> RequireAttr(const xmlNode* node, const char* name) {
  std::optional<std::string> v = text::xml::Attr(node, name);
  if (!v) return base::Status::Invalid(text::xml::QName(node) + "@" + name + ": missing");
  return *v;
}

base::Result<std::uint64_t> RequireNumber(const xmlNode* node, const char* name, bool positive) {
  base::Result<std::string> text = RequireAttr(node, name);
  if (!text.ok()) return text.status();
  std::optional<std::uint64_t> v = ParseDecimal(*text);
  if (!v || (positive && *v == 0)) {
    return base::Status::Invalid(text::xml::QName(node) + "@" + name + ": expected a " +
                                 (positive ? "positive" : "non-negative") + " integer, got " +
                                 Quote(*text));
  }
  return *v;
}

base::Status CheckEntryElement(const xmlNode* node) {
  if (text::xml::IsElement(node, kAtomNs, "entry")) return base::Status::Ok();
  std::string ns = node->ns != nullptr ? text::xml::C(node->ns->href) : "";
  return base::Status::Invalid("entry: expected an Atom <entry> element, got <" +
                               text::xml::QName(node) + "> in namespace " + Quote(ns));
}

base::Status ValidateSignatureElement(const SignatureElement& sig) {
  if (!IsHex(sig.key_id, 16, true)) {
    return base::Status::Invalid("zq:signature@keyId: expected 16 uppercase hex digits, got " +
                                 Quote(sig.key_id));
  }
  if (!Unbase64(sig.signature)) {
    return base::Status::Invalid("zq:signature: expected base64 text, got " + Quote(sig.signature));
  }
  if (!Unbase64(sig.global_signature)) {
    return base::Status::Invalid("zq:signature@globalSignature: expected base64, got " +
                                 Quote(sig.global_signature));
  }
  if (text::xml::FindInvalidText(sig.trusted_comment) != std::string_view::npos ||
      sig.trusted_comment.find_first_of("\r\n") != std::string::npos) {
    return base::Status::Invalid("zq:signature@trustedComment: must be a single line of text");
  }
  return base::Status::Ok();
}

}  // namespace zhanqun::feeds::atom_internal
