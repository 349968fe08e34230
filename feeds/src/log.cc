#include "zhanqun/feeds/log.h"

#include <utility>

#include "zhanqun/base/hash.h"

namespace zhanqun::feeds {
namespace {

// Key ids, hashes and comments come from untrusted input and end up in log
// lines and status pages: keep them short and printable.
std::string Printable(const std::string& s, std::size_t max = 80) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string Position(const std::string& origin, std::uint64_t seq) {
  return origin + "#" + std::to_string(seq);
}

// `hash` is Sha256Hex(parsed.canonical), computed once by the caller.
base::Status CheckSignature(const ParsedEntry& parsed, const TrustStore& trust,
                            const std::string& hash) {
  const LogPosition& log = parsed.entry.log;
  const std::string where = "entry " + Position(Printable(log.origin), log.seq);
  // The signature covers the fields; this makes it cover every byte relayed.
  ZQ_RETURN_IF_ERROR(CheckWireForm(parsed).Context(where));
  const KeyGrant* grant = trust.FindGrant(log.origin, parsed.signature.key_id);
  if (grant == nullptr) {
    return base::Status::Unauthenticated(
        where + " is signed by key " + Printable(parsed.signature.key_id) +
        " which is not trusted for origin " + Printable(log.origin));
  }
  // A key re-keyed away or revoked signs nothing past the end of its grant.
  if (!grant->Covers(log.seq)) {
    return base::Status::Unauthenticated(where + " is signed by key " + grant->key.KeyIdHex() +
                                         ", which origin " + log.origin + " may use only " +
                                         DescribeGrant(*grant));
  }
  ZQ_RETURN_IF_ERROR(VerifyMessage(grant->key, parsed.canonical, parsed.signature).Context(where));
  // The signature alone does not bind the position: the trusted comment does,
  // so a validly signed entry cannot be replayed under another origin or seq.
  const std::string expected = TrustedComment(log.origin, log.seq, hash);
  if (parsed.signature.trusted_comment != expected) {
    return base::Status::Unauthenticated(
        where + ": trusted comment \"" + Printable(parsed.signature.trusted_comment, 200) +
        "\" does not match the entry; expected \"" + expected + "\"");
  }
  return base::Status::Ok();
}

base::Status CheckExtends(const LogPosition& log, const ChainHead& head) {
  if (log.origin != head.origin) {
    return base::Status::Precondition("entry " + Position(Printable(log.origin), log.seq) +
                                      " belongs to origin " + Printable(log.origin) +
                                      ", but the chain head is for origin " + head.origin);
  }
  if (log.seq <= head.seq) {
    return base::Status::Precondition("replay: entry " + Position(log.origin, log.seq) +
                                      " is at or before the applied head " +
                                      Position(head.origin, head.seq));
  }
  if (log.seq > head.seq + 1) {
    return base::Status::Precondition("gap: expected " + Position(head.origin, head.seq + 1) +
                                      ", got #" + std::to_string(log.seq));
  }
  if (log.prev_hash != head.hash) {
    const std::string applied =
        head.seq == 0 ? "the first entry of a log must name " + head.hash
                      : "the applied entry #" + std::to_string(head.seq) + " has hash " + head.hash;
    return base::Status::Precondition("fork: entry " + Position(log.origin, log.seq) +
                                      " names predecessor " + Printable(log.prev_hash) + ", but " +
                                      applied);
  }
  return base::Status::Ok();
}

}  // namespace

std::string TrustedComment(const std::string& origin, std::uint64_t seq, const std::string& hash) {
  return "zhanqun origin=" + origin + " seq=" + std::to_string(seq) + " hash=" + hash;
}

base::Result<SignedEntry> SignEntry(Entry entry, const ChainHead& head, const SecretKey& key) {
  if (entry.log.origin != head.origin) {
    return base::Status::Invalid("entry origin " + entry.log.origin +
                                 " does not match the chain head's origin " + head.origin);
  }
  entry.log.seq = head.seq + 1;
  entry.log.prev_hash = head.hash;
  base::Result<std::string> canonical = EncodeCanonicalEntry(entry);
  if (!canonical.ok()) return canonical.status();
  SignedEntry out;
  out.hash = base::Sha256Hex(*canonical);
  const SignatureElement sig =
      SignMessage(key, *canonical, TrustedComment(entry.log.origin, entry.log.seq, out.hash));
  base::Result<std::string> wire = AttachSignature(*canonical, sig);
  if (!wire.ok()) return wire.status();
  out.entry = std::move(entry);
  out.canonical = std::move(*canonical);
  out.wire = std::move(*wire);
  return out;
}

base::Result<SignedEntry> VerifyEntry(const ParsedEntry& parsed, const TrustStore& trust,
                                      const ChainHead& head) {
  const std::string hash = base::Sha256Hex(parsed.canonical);
  ZQ_RETURN_IF_ERROR(CheckSignature(parsed, trust, hash));
  ZQ_RETURN_IF_ERROR(CheckExtends(parsed.entry.log, head));
  return SignedEntry{parsed.entry, parsed.canonical, hash, parsed.wire};
}

base::Status VerifySignature(const ParsedEntry& parsed, const TrustStore& trust) {
  return CheckSignature(parsed, trust, base::Sha256Hex(parsed.canonical));
}

}  // namespace zhanqun::feeds
