// The keys an agent verifies entries and child reports with: the configured
// hub key (the trust anchor), plus the node keys that verified registry
// entries of the hub's log declare. No other log can declare keys, for
// itself or for anyone else.
//
// Thread-safe: every method takes the object's mutex. Owns its keys; the
// durable copy of the learned ones is the store's trust table.
#ifndef ZHANQUN_AGENT_TRUSTED_KEYS_H_
#define ZHANQUN_AGENT_TRUSTED_KEYS_H_

#include <mutex>
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
  // Takes the keys a verified registry entry of `origin`'s log declares;
  // ignores every entry that is not in the hub's log.
  void Learn(const std::string& origin, const feeds::SignedEntry& se);
  std::vector<feeds::PublicKey> Keys(const std::string& origin);
  const feeds::PublicKey& hub_key() const { return hub_key_; }

 private:
  const feeds::PublicKey hub_key_;
  std::mutex mu_;
  feeds::TrustStore trust_;  // guarded by mu_
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_TRUSTED_KEYS_H_
