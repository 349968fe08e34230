#include "zhanqun/agent/trusted_keys.h"

namespace zhanqun::agent {

TrustedKeys::TrustedKeys(const feeds::PublicKey& hub_key) : hub_key_(hub_key) {
  trust_.Add(feeds::kHubCode, hub_key_);
}

base::Status TrustedKeys::Rebuild(AgentStore& store) {
  base::Result<std::vector<std::pair<std::string, feeds::PublicKey>>> learned = store.TrustedKeys();
  if (!learned.ok()) return learned.status().Context("trusted keys");
  std::lock_guard<std::mutex> lock(mu_);
  trust_ = feeds::TrustStore();
  // The configured hub key is the anchor; registry entries it signed add the rest.
  trust_.Add(feeds::kHubCode, hub_key_);
  for (const auto& [origin, key] : *learned) {
    if (origin != feeds::kHubCode) trust_.Add(origin, key);
  }
  return base::Status::Ok();
}

base::Result<feeds::SignedEntry> TrustedKeys::Verify(const feeds::ParsedEntry& e,
                                                     const feeds::ChainHead& head) {
  std::lock_guard<std::mutex> lock(mu_);
  return feeds::VerifyEntry(e, trust_, head);
}

// Only the hub's registry vouches for keys; a node's own log may not
// declare keys for itself or for any other origin.
void TrustedKeys::Learn(const std::string& origin, const feeds::SignedEntry& se) {
  if (!se.entry.node || origin != feeds::kHubCode) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : se.entry.node->keys) {
    if (se.entry.node->code != feeds::kHubCode) trust_.Add(se.entry.node->code, k);
  }
}

std::vector<feeds::PublicKey> TrustedKeys::Keys(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  return trust_.Keys(origin);
}

}  // namespace zhanqun::agent
