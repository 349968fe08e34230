// The hub's root of trust: offline root keys certify the hub's online
// signing keys (docs/protocol.md §1.5, "trust statements").
//
// A TrustStatement is the payload of a `trust` entry in the hub's log. It
// names the root key set in force after it (keys and a threshold, TUF-style),
// the online keys that may sign the hub's log with their seq ranges, and an
// expiry for the online keys' fresh statements. Root keys sign its canonical
// form, which binds origin 000000 and the seq the statement sits at, so a
// statement cannot be replayed at another position or in another log.
//
// Verification rule: a statement is accepted only with at least `threshold`
// valid signatures by distinct keys of the root set the reader pins now; a
// statement that changes the root set must in addition carry `threshold`
// valid signatures of the new set. Signatures by any other key (the online
// key included) count for nothing.
//
// Plain values and pure functions; thread-safe (no shared state).
#ifndef ZHANQUN_FEEDS_TRUST_H_
#define ZHANQUN_FEEDS_TRUST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {

// A set of root keys, of which `threshold` must sign.
struct TrustRoots {
  std::vector<PublicKey> keys;
  int threshold = 1;
  bool operator==(const TrustRoots&) const = default;
};
// Refuses an empty set, duplicate key ids, or a threshold outside 1..size.
base::Status ValidateTrustRoots(const TrustRoots& roots);

// One root signature: the key id and the 64-byte Ed25519 signature over
// TrustCanonical(statement), base64.
struct RootSignature {
  std::string key_id;     // 16 uppercase hex digits
  std::string signature;  // base64 of 64 bytes
  bool operator==(const RootSignature&) const = default;
};

struct TrustStatement {
  std::uint64_t seq = 0;         // the hub-log seq this statement is appended at
  TrustRoots roots;              // the root set in force after this statement
  std::vector<KeyGrant> online;  // every online key of the hub and its range
  base::TimeMs expires_ms = 0;   // online keys' head statements refused after this
  std::vector<RootSignature> signatures;
  bool operator==(const TrustStatement&) const = default;
};

inline constexpr int kMaxTrustRoots = 16;
inline constexpr int kMaxTrustOnlineKeys = 16;

// Checks the fields (not the signatures): seq >= 1, valid roots, 1..16
// online grants with from_seq >= 1 and until_seq 0 or > from_seq, distinct
// online keys, expires_ms > 0.
base::Status ValidateTrustStatement(const TrustStatement& t);

// The bytes the root keys sign (signatures excluded). Lines, each ending in
// "\n":
//   zhanqun-trust/1
//   origin 000000
//   seq <n>
//   threshold <t>
//   root <minisign public key base64>          (one per root, in order)
//   online <public key base64> <from> <until>   (one per grant, in order)
//   expires <ms>
std::string TrustCanonical(const TrustStatement& t);
// The payload text: the canonical form followed by one line per signature,
//   sig <key id hex> <signature base64>
std::string EncodeTrust(const TrustStatement& t);
// Parses EncodeTrust's form exactly (any other byte sequence is refused, the
// message naming the line) and validates it.
base::Result<TrustStatement> DecodeTrust(std::string_view text);

// The root keys of a roots file (an agent's `trust_root`): one minisign
// public key per line; blank lines and "untrusted comment:" lines skipped.
// Errors name the line.
base::Result<std::vector<PublicKey>> ParseRootKeys(std::string_view text);

// Adds (or replaces) the signature of `root` over the statement's canonical form.
void SignTrust(TrustStatement& t, const SecretKey& root);

// Verifies `t` as the statement at hub-log position `seq` against the root
// set the reader pins now. Returns the root set to pin after it. Errors:
//  kInvalidArgument  fields invalid, or t.seq != seq (a replayed statement)
//  kUnauthenticated  fewer than the threshold of valid signatures of the
//                    pinned set (or, for a root change, of the new set)
base::Result<TrustRoots> VerifyTrust(const TrustStatement& t, std::uint64_t seq,
                                     const TrustRoots& pinned);

// The online grants of a verified statement that may still make fresh
// statements (head statements) at `now_ms`: none once it has expired.
std::vector<KeyGrant> LiveOnlineGrants(const TrustStatement& t, base::TimeMs now_ms);

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_TRUST_H_
