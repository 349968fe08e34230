#include "zhanqun/agent/trusted_keys.h"

namespace zhanqun::agent {

TrustedKeys::TrustedKeys(const feeds::PublicKey& hub_key) : hub_key_(hub_key) {
  trust_.Add(feeds::kHubCode, hub_key_);
}

base::Status TrustedKeys::Rebuild(AgentStore& store) {
  base::Result<std::vector<std::pair<std::string, feeds::KeyGrant>>> learned =
      store.TrustedGrants();
  if (!learned.ok()) return learned.status().Context("trusted keys");
  std::lock_guard<std::mutex> lock(mu_);
  trust_ = feeds::TrustStore();
  // The configured hub key is the anchor; registry entries it signed add the rest.
  trust_.Add(feeds::kHubCode, hub_key_);
  stated_.clear();
  for (const auto& [origin, grant] : *learned) {
    if (origin == feeds::kHubCode) continue;
    trust_.Grant(origin, grant);
    stated_.insert(origin);
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
  if (se.entry.node->code == feeds::kHubCode) return;  // the hub's key is the anchor
  std::lock_guard<std::mutex> lock(mu_);
  // The newest registry entry of a node states its whole key history, so it
  // replaces the grants: a revoked or re-keyed key loses what it no longer covers.
  trust_.Set(se.entry.node->code, feeds::NodeGrants(*se.entry.node));
  stated_.insert(se.entry.node->code);
}

base::Status TrustedKeys::MaySign(const std::string& origin, const feeds::PublicKey& key,
                                  std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stated_.count(origin)) return base::Status::Ok();
  const std::string where = " (origin=" + origin + " seq=" + std::to_string(seq) + ")";
  const feeds::KeyGrant* g = trust_.FindGrant(origin, key.KeyIdHex());
  if (g == nullptr) {
    return base::Status::PermissionDenied("refusing to sign: key " + key.KeyIdHex() +
                                          " is not granted by the registry" + where);
  }
  if (!g->Covers(seq)) {
    return base::Status::PermissionDenied("refusing to sign: key " + key.KeyIdHex() +
                                          " is granted " + feeds::DescribeGrant(*g) + where);
  }
  return base::Status::Ok();
}

std::vector<feeds::PublicKey> TrustedKeys::Keys(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  return trust_.Keys(origin);
}

}  // namespace zhanqun::agent
