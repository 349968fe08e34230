// Signed, hash-chained logs: signing an entry at its origin, and verifying an
// entry against the reader's trust store and the chain it has so far.
//
// Chain rules: entry n of an origin has seq n (1-based) and prev_hash equal to
// the hex SHA-256 of entry n-1's canonical form (64 zeros for seq 1). The
// trusted comment is exactly "zhanqun origin=<code> seq=<n> hash=<sha256hex>".
// A reader that holds (last_seq, last_hash) for an origin therefore detects an
// omitted, reordered, duplicated or replayed entry, however many relays passed it.
// Thread-safe (no shared state).
#ifndef ZHANQUN_FEEDS_LOG_H_
#define ZHANQUN_FEEDS_LOG_H_

#include <cstdint>
#include <string>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {

// The reader's view of one origin's log.
struct ChainHead {
  std::string origin;
  std::uint64_t seq = 0;         // 0: nothing yet
  std::string hash = kZeroHash;  // canonical hash of entry `seq`
};

struct SignedEntry {
  Entry entry;
  std::string canonical;
  std::string hash;  // Sha256Hex(canonical)
  std::string wire;
};

// Fills entry.log.prev_hash/seq from `head` (seq = head.seq + 1), encodes,
// and signs with `key`. REQUIRES: entry.log.origin == head.origin.
base::Result<SignedEntry> SignEntry(Entry entry, const ChainHead& head, const SecretKey& key);

std::string TrustedComment(const std::string& origin, std::uint64_t seq, const std::string& hash);

// Verifies that the bytes received are the entry's wire form (CheckWireForm),
// the signature (key from `trust`, by origin and key id), the trusted
// comment, and that the entry extends `head`. On success the returned
// `wire` is a function of the verified fields and signature alone. Errors:
//  kInvalidArgument    parsed.wire is not the wire form (names the byte)
//  kUnauthenticated    unknown key or bad signature
//  kFailedPrecondition seq gap, replay of an older seq, or prev_hash mismatch
// REQUIRES: parsed.canonical == EncodeCanonicalEntry(parsed.entry), as
// DecodeEntry and DecodeFeed make it.
base::Result<SignedEntry> VerifyEntry(const ParsedEntry& parsed, const TrustStore& trust,
                                      const ChainHead& head);
// The wire form and signature checks only (no chain position).
base::Status VerifySignature(const ParsedEntry& parsed, const TrustStore& trust);

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_LOG_H_
