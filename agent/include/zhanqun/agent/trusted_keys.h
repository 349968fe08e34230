// The keys an agent verifies entries and child reports with: the configured
// hub key (the trust anchor), plus the node keys that verified registry
// entries of the hub's log declare. No other log can declare keys, for
// itself or for anyone else.
//
// Thread-safe: every method takes the object's mutex. Owns its keys; the
// durable copy of the learned ones is the store's trust table.
#ifndef ZHANQUN_AGENT_TRUSTED_KEYS_H_
#define ZHANQUN_AGENT_TRUSTED_KEYS_H_

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "zhanqun/agent/agent_store.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::agent {

class TrustedKeys {
 public:
  explicit TrustedKeys(const feeds::PublicKey& hub_key);

  // Starts over from the anchor and the keys `store` learned before. When
  // the store cannot be read, fails and leaves the keys as they were.
  base::Status Rebuild(AgentStore& store);
  // feeds::VerifyEntry against these keys: signature, trusted comment, and
  // that `e` extends `head`.
  base::Result<feeds::SignedEntry> Verify(const feeds::ParsedEntry& e,
                                          const feeds::ChainHead& head);
  // Takes the grants a verified registry entry of `origin`'s log states,
  // replacing the node's earlier ones (docs/protocol.md §4.1); ignores every
  // entry that is not in the hub's log, and any about the hub itself.
  void Learn(const std::string& origin, const feeds::SignedEntry& se);
  // Whether `key` may sign seq `seq` of `origin`'s log: Ok when it may, or
  // when the registry has stated nothing about `origin` yet (a node signs
  // before it has caught up with the registry); kPermissionDenied naming the
  // origin, seq and key's grant (or that it has none) otherwise.
  base::Status MaySign(const std::string& origin, const feeds::PublicKey& key, std::uint64_t seq);
  std::vector<feeds::PublicKey> Keys(const std::string& origin);
  const feeds::PublicKey& hub_key() const { return hub_key_; }

 private:
  const feeds::PublicKey hub_key_;
  std::mutex mu_;
  feeds::TrustStore trust_;  // guarded by mu_
  // Origins a registry entry has stated grants for (even none: removed).
  std::set<std::string> stated_;  // guarded by mu_
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_TRUSTED_KEYS_H_
