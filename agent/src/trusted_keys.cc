#include "zhanqun/agent/trusted_keys.h"

namespace zhanqun::agent {

TrustedKeys::TrustedKeys(const feeds::PublicKey& hub_key)
    : root_anchored_(false), legacy_hub_key_(hub_key) {
  trust_.Add(feeds::kHubCode, hub_key);
}

TrustedKeys::TrustedKeys(const TrustAnchor& anchor)
    : root_anchored_(!anchor.hub_key),
      legacy_hub_key_(anchor.hub_key),
      configured_roots_(anchor.roots),
      roots_(anchor.roots) {
  if (legacy_hub_key_) trust_.Add(feeds::kHubCode, *legacy_hub_key_);
}

TrustedKeys::TrustedKeys(const feeds::TrustRoots& roots)
    : root_anchored_(true), configured_roots_(roots), roots_(roots) {}

base::Status TrustedKeys::Rebuild(AgentStore& store) {
  base::Result<std::vector<std::pair<std::string, feeds::KeyGrant>>> learned =
      store.TrustedGrants();
  if (!learned.ok()) return learned.status().Context("trusted keys");
  // A removed node has no grant rows, but the registry has stated it.
  base::Result<std::vector<std::string>> registered = store.RegistryCodes();
  if (!registered.ok()) return registered.status().Context("trusted keys");
  std::optional<feeds::TrustStatement> newest;
  if (root_anchored_) {
    // Only verified entries are stored, so the newest stored trust entry is
    // the state the pinned roots led to.
    base::Result<std::optional<std::string>> wire = store.LatestTrustWire();
    if (!wire.ok()) return wire.status().Context("trusted keys");
    if (*wire) {
      base::Result<feeds::Entry> e = feeds::DecodeStoredEntry(**wire);
      if (!e.ok() || !e->trust)
        return base::Status::Corruption("stored trust entry does not decode");
      base::Result<feeds::TrustStatement> t = feeds::DecodeTrust(*e->trust);
      if (!t.ok()) return t.status().Context("stored trust entry");
      newest = std::move(*t);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  trust_ = feeds::TrustStore();
  newest_.reset();
  roots_ = configured_roots_;
  stated_.clear();
  // The anchor (the legacy key, or the root-certified online keys) vouches
  // for the hub's registry entries, which state the nodes' grants.
  if (legacy_hub_key_) trust_.Add(feeds::kHubCode, *legacy_hub_key_);
  if (newest) ApplyTrustLocked(*newest);
  for (const auto& [origin, grant] : *learned) {
    if (origin == feeds::kHubCode) continue;
    trust_.Grant(origin, grant);
    stated_.insert(origin);
  }
  for (const std::string& code : *registered)
    if (code != feeds::kHubCode) stated_.insert(code);
  return base::Status::Ok();
}

base::Result<feeds::SignedEntry> TrustedKeys::Verify(const feeds::ParsedEntry& e,
                                                     const feeds::ChainHead& head) {
  std::lock_guard<std::mutex> lock(mu_);
  const feeds::Entry& entry = e.entry;
  if (!root_anchored_ || !entry.trust || entry.log.origin != feeds::kHubCode)
    return feeds::VerifyEntry(e, trust_, head);
  base::Result<feeds::TrustStatement> t = feeds::DecodeTrust(*entry.trust);
  if (!t.ok()) return t.status().Context("trust entry seq " + std::to_string(entry.log.seq));
  base::Result<feeds::TrustRoots> roots = feeds::VerifyTrust(*t, entry.log.seq, roots_);
  if (!roots.ok()) return roots.status();
  // The newly certified key may sign the statement that certifies it.
  feeds::TrustStore next = trust_;
  next.Set(feeds::kHubCode, t->online);
  return feeds::VerifyEntry(e, next, head);
}

void TrustedKeys::ApplyTrustLocked(const feeds::TrustStatement& t) {
  roots_ = t.roots;
  trust_.Set(feeds::kHubCode, t.online);
  newest_ = t;
}

// Only the hub's registry vouches for node keys, and only the hub's log
// carries trust statements.
void TrustedKeys::Learn(const std::string& origin, const feeds::SignedEntry& se) {
  if (origin != feeds::kHubCode) return;
  if (se.entry.trust && root_anchored_) {
    base::Result<feeds::TrustStatement> t = feeds::DecodeTrust(*se.entry.trust);
    if (!t.ok()) return;  // Verify decoded it already
    std::lock_guard<std::mutex> lock(mu_);
    ApplyTrustLocked(*t);
    return;
  }
  if (!se.entry.node) return;
  if (se.entry.node->code == feeds::kHubCode) return;  // the hub's keys come from trust entries
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

std::vector<feeds::PublicKey> TrustedKeys::ReportKeys(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<feeds::PublicKey> out;
  for (const feeds::KeyGrant& g : trust_.Grants(origin))
    if (g.until_seq == 0) out.push_back(g.key);
  return out;
}

bool TrustedKeys::MaySpeak(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stated_.count(origin)) return true;
  for (const feeds::KeyGrant& g : trust_.Grants(origin))
    if (g.until_seq == 0) return true;
  return false;
}

std::vector<feeds::PublicKey> TrustedKeys::HubStatementKeys(base::TimeMs now_ms) {
  if (legacy_hub_key_) return {*legacy_hub_key_};
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<feeds::PublicKey> keys;
  if (!newest_) return keys;
  for (const feeds::KeyGrant& g : feeds::LiveOnlineGrants(*newest_, now_ms))
    if (g.until_seq == 0) keys.push_back(g.key);
  return keys;
}

feeds::TrustRoots TrustedKeys::PinnedRoots() {
  std::lock_guard<std::mutex> lock(mu_);
  return roots_;
}

}  // namespace zhanqun::agent
