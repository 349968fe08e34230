// The keys an agent verifies entries and child reports with, and where they
// come from. The hub's keys have one of two anchors:
//  - root-anchored (config `trust_root`): the agent pins the hub's offline
//    root keys; the hub's online keys are those the newest root-verified
//    `trust` entry of the hub's log grants (feeds/trust.h), and a trust entry
//    that rotates the roots moves the pin. None before the first trust entry.
//  - legacy (config `hub_public_key`): one fixed hub key for the whole log.
// Node keys come from verified registry entries of the hub's log. No other
// log can declare keys, for itself or for anyone else.
//
// Thread-safe: every method takes the object's mutex. Owns its keys; the
// durable copy of the learned ones is the store (trust table, trust entries).
#ifndef ZHANQUN_AGENT_TRUSTED_KEYS_H_
#define ZHANQUN_AGENT_TRUSTED_KEYS_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "zhanqun/agent/agent_store.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/feeds/trust.h"

namespace zhanqun::agent {

// What the agent's config anchors trust on: the legacy fixed hub key, or
// (when hub_key is unset) the pinned root set.
struct TrustAnchor {
  std::optional<feeds::PublicKey> hub_key;
  feeds::TrustRoots roots;
};

class TrustedKeys {
 public:
  explicit TrustedKeys(const TrustAnchor& anchor);
  // Legacy: `hub_key` signs the whole hub log and every head statement.
  explicit TrustedKeys(const feeds::PublicKey& hub_key);
  // Root-anchored on `roots`. REQUIRES: feeds::ValidateTrustRoots(roots) is OK.
  explicit TrustedKeys(const feeds::TrustRoots& roots);

  // Starts over from the anchor and the keys `store` learned before (node
  // keys, and the newest trust entry of the hub's log when root-anchored).
  // When the store cannot be read, fails and leaves the keys as they were.
  base::Status Rebuild(AgentStore& store);
  // feeds::VerifyEntry against these keys: signature, trusted comment, and
  // that `e` extends `head`. When root-anchored, a trust entry of the hub's
  // log is first verified against the pinned roots (feeds::VerifyTrust) and
  // its outer signature against the online keys it grants.
  base::Result<feeds::SignedEntry> Verify(const feeds::ParsedEntry& e,
                                          const feeds::ChainHead& head);
  // Takes what a verified entry of the hub's log states: a trust entry's
  // online-key grants for the hub (root-anchored agents), or a registry
  // entry's grants for a node, replacing the node's earlier ones
  // (docs/protocol.md §4.1-§4.2); ignores entries of every other log.
  void Learn(const std::string& origin, const feeds::SignedEntry& se);
  // Whether `key` may sign seq `seq` of `origin`'s log: Ok when it may, or
  // when the registry has stated nothing about `origin` yet (a node signs
  // before it has caught up with the registry); kPermissionDenied naming the
  // origin, seq and key's grant (or that it has none) otherwise.
  base::Status MaySign(const std::string& origin, const feeds::PublicKey& key, std::uint64_t seq);
  // Every key granted for some range of `origin`'s log.
  std::vector<feeds::PublicKey> Keys(const std::string& origin);
  // The keys that may sign `origin`'s reports now: those granted without
  // end. A re-keyed node reports with its new key only; a revoked or removed
  // node cannot report (nor relay its children's reports) until re-keyed.
  std::vector<feeds::PublicKey> ReportKeys(const std::string& origin);
  // False when the registry has stated `origin`'s keys and none is granted
  // without end (revoked or removed); true otherwise, also before it has.
  bool MaySpeak(const std::string& origin);
  // The keys that may sign the hub's head statements at `now_ms`: the
  // legacy key, or the open-ended grants of the newest trust statement
  // while it has not expired (a replaced or revoked key makes none).
  std::vector<feeds::PublicKey> HubStatementKeys(base::TimeMs now_ms);
  bool root_anchored() const { return root_anchored_; }
  // The roots pinned now (empty keys when legacy).
  feeds::TrustRoots PinnedRoots();

 private:
  void ApplyTrustLocked(const feeds::TrustStatement& t);

  const bool root_anchored_;
  const std::optional<feeds::PublicKey> legacy_hub_key_;
  const feeds::TrustRoots configured_roots_;
  std::mutex mu_;
  feeds::TrustStore trust_;                      // guarded by mu_
  feeds::TrustRoots roots_;                      // guarded by mu_
  std::optional<feeds::TrustStatement> newest_;  // guarded by mu_
  // Origins a registry entry has stated grants for (even none: removed).
  std::set<std::string> stated_;  // guarded by mu_
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_TRUSTED_KEYS_H_
