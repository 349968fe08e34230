#include "zhanqun/hub/hub.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::hub {

using base::Result;
using base::Status;
using json = nlohmann::json;

Hub::Hub(HubConfig config, const base::Clock& clock, std::unique_ptr<HubStore> store,
         feeds::SecretKey key, Divisions divisions)
    : config_(std::move(config)),
      clock_(clock),
      store_(std::move(store)),
      key_(std::make_shared<const feeds::SecretKey>(std::move(key))),
      key_file_id_(StatKeyFile()),
      divisions_(std::move(divisions)),
      health_(HealthRules{config_.slo_s * 1000LL, config_.offline_after_s * 1000LL,
                          config_.stall_after_s * 1000LL,
                          static_cast<std::size_t>(config_.health_window)}) {}

Result<std::unique_ptr<Hub>> Hub::Open(const HubConfig& config, const base::Clock& clock) {
  Result<feeds::SecretKey> key = feeds::SecretKey::Load(config.key_file);
  if (!key.ok()) return key.status().Context("hub key (run 'zhanqun-hub init' first?)");
  Result<Divisions> divisions = Divisions::Load(config.divisions_file);
  if (!divisions.ok()) return divisions.status();
  Result<std::unique_ptr<HubStore>> store = HubStore::Open(config.DbPath());
  if (!store.ok()) return store.status();
  return std::unique_ptr<Hub>(
      new Hub(config, clock, std::move(*store), std::move(*key), std::move(*divisions)));
}

namespace {

// A fresh online key, saved in a new data directory.
Result<feeds::SecretKey> NewKeyFile(const HubConfig& config) {
  ::mkdir(config.data_dir.c_str(), 0700);
  Result<feeds::SecretKey> key = feeds::SecretKey::Generate();
  if (!key.ok()) return key.status();
  ZQ_RETURN_IF_ERROR(key->Save(config.key_file));
  return key;
}

// The hub's own registry entry.
feeds::Entry HubNodeEntry(const feeds::PublicKey& key) {
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kNode;
  entry.node = feeds::Node{
      feeds::kHubCode, "中华人民共和国中央人民政府", feeds::NodeLevel::kNational, "", {key}};
  return entry;
}

}  // namespace

Status Hub::Init(const HubConfig& config, const base::Clock& clock) {
  Result<feeds::SecretKey> key = NewKeyFile(config);
  if (!key.ok()) return key.status();
  Result<std::unique_ptr<Hub>> hub = Open(config, clock);
  if (!hub.ok()) return hub.status();
  return (*hub)->AppendEntry(HubNodeEntry(key->public_key())).status();
}

Status Hub::InitWithRoot(const HubConfig& config, const base::Clock& clock,
                         const feeds::SecretKey& root, base::TimeMs valid_ms) {
  Result<feeds::SecretKey> key = NewKeyFile(config);
  if (!key.ok()) return key.status();
  Result<std::unique_ptr<Hub>> hub = Open(config, clock);
  if (!hub.ok()) return hub.status();
  // The log begins with the root's certificate of the online key.
  feeds::TrustStatement t;
  t.roots = feeds::TrustRoots{{root.public_key()}, 1};
  t.online = {feeds::KeyGrant{key->public_key(), 1, 0}};
  t.expires_ms = clock.NowMs() + valid_ms;
  Result<feeds::SignedEntry> trust = (*hub)->AppendTrust(std::move(t), {&root}, *key);
  if (!trust.ok()) return trust.status();
  return (*hub)->AppendEntry(HubNodeEntry(key->public_key())).status();
}

Result<feeds::SignedEntry> Hub::AppendTrust(feeds::TrustStatement statement,
                                            const std::vector<const feeds::SecretKey*>& roots,
                                            const feeds::SecretKey& signer) {
  feeds::Entry entry;
  entry.log.origin = feeds::kHubCode;
  entry.kind = feeds::EntryKind::kTrust;
  entry.updated_ms = clock_.NowMs();
  Result<feeds::SignedEntry> se = store_->Append(
      feeds::kHubCode,
      [&](const feeds::ChainHead& head) -> Result<feeds::SignedEntry> {
        // The root signatures bind the seq, known only under the store's lock.
        feeds::TrustStatement t = statement;
        t.seq = head.seq + 1;
        t.signatures.clear();
        for (const feeds::SecretKey* r : roots) feeds::SignTrust(t, *r);
        feeds::Entry e = entry;
        e.trust = feeds::EncodeTrust(t);
        return feeds::SignEntry(std::move(e), head, signer);
      },
      entry.updated_ms);
  if (se.ok()) notifier_.Notify(feeds::kHubCode);
  return se;
}

Result<feeds::SignedEntry> Hub::RotateRoots(const std::vector<const feeds::SecretKey*>& old_roots,
                                            const std::vector<const feeds::SecretKey*>& new_roots,
                                            int threshold) {
  // Read first: a trust entry appended after it makes the append refuse.
  Result<std::uint64_t> trust_seq = store_->LatestTrustSeq();
  if (!trust_seq.ok()) return trust_seq.status();
  const HubStore::Basis basis{"", 0, *trust_seq};
  Result<std::optional<feeds::TrustStatement>> prev = NewestTrust();
  if (!prev.ok()) return prev.status();
  if (!*prev) {
    return Status::Precondition(
        "rotate-root: the hub's log has no trust entry (initialise with 'init --root-key')");
  }
  feeds::TrustRoots next;
  // 0: as many as the pinned set asks, or all of a smaller new set.
  next.threshold =
      threshold > 0 ? threshold
                    : std::min<int>((*prev)->roots.threshold, static_cast<int>(new_roots.size()));
  for (const feeds::SecretKey* r : new_roots) next.keys.push_back(r->public_key());
  ZQ_RETURN_IF_ERROR(feeds::ValidateTrustRoots(next).Context("rotate-root: new roots"));
  if (next == (*prev)->roots) {
    return Status::Invalid("rotate-root: the new root set is the one pinned now");
  }
  const feeds::TrustStatement p = **prev;
  const std::shared_ptr<const feeds::SecretKey> signer = CurrentKey();
  feeds::Entry entry;
  entry.log.origin = feeds::kHubCode;
  entry.kind = feeds::EntryKind::kTrust;
  entry.updated_ms = clock_.NowMs();
  Result<feeds::SignedEntry> se = store_->Append(
      feeds::kHubCode,
      [&](const feeds::ChainHead& head) -> Result<feeds::SignedEntry> {
        feeds::TrustStatement t;
        t.seq = head.seq + 1;
        t.roots = next;
        t.online = p.online;
        t.expires_ms = p.expires_ms;
        for (const feeds::SecretKey* r : old_roots) feeds::SignTrust(t, *r);
        for (const feeds::SecretKey* r : new_roots) feeds::SignTrust(t, *r);
        // What every agent will check: the pinned threshold of old roots and
        // the new threshold of new ones. A statement they would refuse
        // would stop the hub's log for the whole cluster.
        Result<feeds::TrustRoots> ok = feeds::VerifyTrust(t, t.seq, p.roots);
        if (!ok.ok()) return ok.status().Context("rotate-root");
        feeds::Entry e = entry;
        e.trust = feeds::EncodeTrust(t);
        return feeds::SignEntry(std::move(e), head, *signer);
      },
      entry.updated_ms, &basis);
  if (se.ok()) notifier_.Notify(feeds::kHubCode);
  return se;
}

Hub::KeyFileId Hub::StatKeyFile() const {
  struct stat st {};
  if (::stat(config_.key_file.c_str(), &st) != 0) return {};
  return {static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
}

std::shared_ptr<const feeds::SecretKey> Hub::CurrentKey() {
  std::lock_guard<std::mutex> lock(key_mu_);
  const KeyFileId now = StatKeyFile();
  if (now.ino != 0 && !(now == key_file_id_)) {
    // A rotation replaced the file. One that does not load (mid-write, bad
    // mode) leaves the key as it was, and is tried again next time.
    Result<feeds::SecretKey> fresh = feeds::SecretKey::Load(config_.key_file);
    if (fresh.ok()) {
      key_ = std::make_shared<const feeds::SecretKey>(std::move(*fresh));
      key_file_id_ = now;
    }
  }
  return key_;
}

feeds::PublicKey Hub::public_key() { return CurrentKey()->public_key(); }

Result<std::optional<feeds::TrustStatement>> Hub::NewestTrust() {
  Result<std::optional<std::string>> wire = store_->LatestTrustWire();
  if (!wire.ok()) return wire.status();
  if (!*wire) return std::optional<feeds::TrustStatement>();
  Result<feeds::Entry> e = feeds::DecodeStoredEntry(**wire);
  if (!e.ok() || !e->trust) return Status::Corruption("stored trust entry does not decode");
  Result<feeds::TrustStatement> t = feeds::DecodeTrust(*e->trust);
  if (!t.ok()) return t.status().Context("stored trust entry");
  return std::optional<feeds::TrustStatement>(std::move(*t));
}

Result<feeds::SignedEntry> Hub::RotateOnlineKey(const std::vector<const feeds::SecretKey*>& roots) {
  // Read first: a trust entry appended after it makes the append refuse.
  Result<std::uint64_t> trust_seq = store_->LatestTrustSeq();
  if (!trust_seq.ok()) return trust_seq.status();
  const HubStore::Basis basis{"", 0, *trust_seq};
  Result<std::optional<feeds::TrustStatement>> prev = NewestTrust();
  if (!prev.ok()) return prev.status();
  if (!*prev) {
    return Status::Precondition(
        "rotate: the hub's log has no trust entry (initialise with 'init --root-key')");
  }
  Result<feeds::SecretKey> fresh = feeds::SecretKey::Generate();
  if (!fresh.ok()) return fresh.status();
  const std::string key_file = config_.key_file;
  const std::string staged = key_file + ".new";
  ::unlink(staged.c_str());
  ::unlink((staged + ".pub").c_str());
  ZQ_RETURN_IF_ERROR(fresh->Save(staged).Context("rotate: staging the new key"));
  const feeds::TrustStatement& p = **prev;
  const base::TimeMs period = std::max<base::TimeMs>(p.expires_ms - clock_.NowMs(), 0);
  feeds::Entry entry;
  entry.log.origin = feeds::kHubCode;
  entry.kind = feeds::EntryKind::kTrust;
  entry.updated_ms = clock_.NowMs();
  bool swapped = false;
  auto swap_files = [&](bool forward) {
    const char* suffixes[] = {"", ".pub"};
    for (const char* s : suffixes) {
      const std::string cur = key_file + s, old = key_file + ".old" + s, next = staged + s;
      if (forward) {
        ::rename(cur.c_str(), old.c_str());
        ::rename(next.c_str(), cur.c_str());
      } else {
        ::rename(cur.c_str(), next.c_str());
        ::rename(old.c_str(), cur.c_str());
      }
    }
  };
  Result<feeds::SignedEntry> se = store_->Append(
      feeds::kHubCode,
      [&](const feeds::ChainHead& head) -> Result<feeds::SignedEntry> {
        feeds::TrustStatement t;
        t.seq = head.seq + 1;
        t.roots = p.roots;
        for (feeds::KeyGrant g : p.online) {
          if (g.until_seq == 0) g.until_seq = t.seq;
          t.online.push_back(g);
        }
        t.online.push_back(feeds::KeyGrant{fresh->public_key(), t.seq, 0});
        t.expires_ms = clock_.NowMs() + (period > 0 ? period : 365LL * 24 * 3600 * 1000);
        for (const feeds::SecretKey* r : roots) feeds::SignTrust(t, *r);
        Result<feeds::TrustRoots> ok = feeds::VerifyTrust(t, t.seq, p.roots);
        if (!ok.ok()) return ok.status().Context("rotate");
        feeds::Entry e = entry;
        e.trust = feeds::EncodeTrust(t);
        Result<feeds::SignedEntry> signed_entry = feeds::SignEntry(std::move(e), head, *fresh);
        if (!signed_entry.ok()) return signed_entry.status();
        // Under the append's write lock: no other process signs in between.
        swap_files(true);
        swapped = true;
        return signed_entry;
      },
      entry.updated_ms, &basis);
  if (!se.ok()) {
    if (swapped) swap_files(false);
    ::unlink(staged.c_str());
    ::unlink((staged + ".pub").c_str());
    return se.status();
  }
  notifier_.Notify(feeds::kHubCode);
  return se;
}

Result<feeds::SignedEntry> Hub::AppendEntry(feeds::Entry entry, const HubStore::Basis* basis) {
  entry.log.origin = feeds::kHubCode;
  entry.updated_ms = clock_.NowMs();
  Result<feeds::SignedEntry> se = store_->Append(
      feeds::kHubCode,
      [&](const feeds::ChainHead& head) { return feeds::SignEntry(entry, head, *CurrentKey()); },
      entry.updated_ms, basis);
  if (se.ok()) notifier_.Notify(feeds::kHubCode);
  return se;
}

Result<feeds::SignedEntry> Hub::Publish(feeds::Release release) {
  release.body_html = text::SanitizeHtml(release.body_html);
  Result<std::optional<ReleaseRow>> found = store_->FindRelease(release.id);
  if (!found.ok()) return found.status().Context("release " + release.id);
  const std::optional<ReleaseRow>& existing = *found;
  int next = existing ? existing->version + 1 : 1;
  if (release.version == 0) release.version = next;
  if (release.version != next) {
    counters_.publish_rejected++;
    return Status(base::Code::kAlreadyExists,
                  "version: release '" + release.id + "' is at version " +
                      std::to_string(next - 1) + "; the next version must be " +
                      std::to_string(next) + ", got " + std::to_string(release.version));
  }
  if (existing && release.status == feeds::ReleaseStatus::kActive) {
    release.status = feeds::ReleaseStatus::kAmended;
  }
  Status valid = feeds::ValidateRelease(release);
  if (!valid.ok()) {
    counters_.publish_rejected++;
    return valid;
  }
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kRelease;
  entry.release = std::move(release);
  Result<feeds::SignedEntry> se = AppendEntry(std::move(entry));
  if (se.ok()) counters_.releases_published++;
  return se;
}

Result<bool> Hub::IsRegistered(const std::string& code) {
  Result<std::optional<NodeRow>> row = store_->FindNode(code);
  if (!row.ok()) return row.status().Context("node " + code);
  return row->has_value();
}

Result<feeds::SignedEntry> Hub::AddNode(const std::string& code, const std::string& parent,
                                        const feeds::PublicKey& key) {
  const Division* d = divisions_.Find(code);
  if (d == nullptr) {
    return Status::Invalid("code: '" + code + "' is not a GB/T 2260 division code in " +
                           config_.divisions_file);
  }
  Result<bool> registered = IsRegistered(code);
  if (!registered.ok()) return registered.status();
  if (*registered) {
    return Status(base::Code::kAlreadyExists, "node " + code + " is already registered");
  }
  std::string p = parent;
  if (p.empty()) {
    p = feeds::kHubCode;
    for (std::string up = d->parent; !up.empty();) {
      Result<bool> up_registered = IsRegistered(up);
      if (!up_registered.ok()) return up_registered.status();
      if (*up_registered) {
        p = up;
        break;
      }
      const Division* ud = divisions_.Find(up);
      up = ud ? ud->parent : "";
    }
  }
  if (!divisions_.IsAncestor(p, code)) {
    return Status::Invalid("parent: " + p + " is not an ancestor of " + code +
                           " in the division table");
  }
  Result<bool> parent_registered = IsRegistered(p);
  if (!parent_registered.ok()) return parent_registered.status();
  if (!*parent_registered) {
    return Status::Precondition("parent: node " + p + " is not registered yet; add it first");
  }
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kNode;
  entry.node = feeds::Node{code, d->name, d->level, p, {key}};
  Result<feeds::SignedEntry> se = AppendEntry(std::move(entry));
  if (se.ok()) counters_.nodes_added++;
  return se;
}

Result<feeds::Node> Hub::RegistryEntry(const std::string& code, std::uint64_t* entry_seq) {
  Result<std::optional<NodeRow>> row = store_->FindNode(code);
  if (!row.ok()) return row.status().Context("node " + code);
  if (!row->has_value()) return Status::NotFound("node " + code + " is not registered");
  if (entry_seq != nullptr) *entry_seq = (*row)->entry_seq;
  // The registry entry itself holds the key history the row cannot.
  Result<std::vector<std::string>> wire =
      store_->ReadWire(feeds::kHubCode, (*row)->entry_seq - 1, 1);
  if (!wire.ok()) return wire.status().Context("registry entry of node " + code);
  if (wire->size() != 1) {
    return Status::Corruption("registry entry of node " + code + " at seq " +
                              std::to_string((*row)->entry_seq) + " is missing from the hub's log");
  }
  Result<feeds::ParsedEntry> current = feeds::DecodeEntry(wire->front());
  if (!current.ok()) return current.status().Context("registry entry of node " + code);
  if (!current->entry.node || current->entry.node->code != code) {
    return Status::Corruption("hub log seq " + std::to_string((*row)->entry_seq) +
                              " is not the registry entry of node " + code);
  }
  return std::move(*current->entry.node);
}

Result<feeds::SignedEntry> Hub::RestateNode(
    const std::string& code, const std::function<Result<feeds::Node>(const feeds::Node&)>& change) {
  if (code == feeds::kHubCode) {
    return Status::Invalid("code: the hub's own key (000000) is not changed by node commands");
  }
  HubStore::Basis basis{code, 0, std::nullopt};
  Result<feeds::Node> current = RegistryEntry(code, &basis.node_entry_seq);
  if (!current.ok()) return current.status();
  Result<feeds::Node> next = change(*current);
  if (!next.ok()) return next.status();
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kNode;
  entry.node = std::move(*next);
  return AppendEntry(std::move(entry), &basis);
}

Result<feeds::SignedEntry> Hub::MoveNode(const std::string& code, const std::string& parent) {
  if (code == feeds::kHubCode) return Status::Invalid("code: the hub (000000) has no parent");
  HubStore::Basis basis{code, 0, std::nullopt};
  Result<feeds::Node> node = RegistryEntry(code, &basis.node_entry_seq);
  if (!node.ok()) return node.status();
  if (node->parent == parent) {
    return Status::Precondition("parent: node " + code + " is already under " + parent);
  }
  if (parent == code) return Status::Invalid("parent: node " + code + " cannot be its own parent");
  feeds::NodeLevel parent_level = feeds::NodeLevel::kNational;
  if (parent != feeds::kHubCode) {
    Result<std::optional<NodeRow>> p = store_->FindNode(parent);
    if (!p.ok()) return p.status().Context("node " + parent);
    if (!p->has_value()) {
      return Status::NotFound("parent: node " + parent + " is not registered; add it first");
    }
    // A parent whose chain reaches the node would make a loop no agent
    // could follow to the hub.
    std::string up = (*p)->node.parent;
    for (int guard = 0; !up.empty() && up != feeds::kHubCode && guard < 8; ++guard) {
      if (up == code) {
        return Status::Invalid("parent: " + parent + " lies below " + code +
                               " in the registry; a node cannot move under its own descendant");
      }
      Result<std::optional<NodeRow>> u = store_->FindNode(up);
      if (!u.ok()) return u.status().Context("node " + up);
      up = u->has_value() ? (*u)->node.parent : "";
    }
    parent_level = (*p)->node.level;
  }
  // "One level above" is the division table's: a county's city, a city's
  // province, a province's hub; a district of a municipality (110101) sits
  // directly under its province-level 110000. A move puts a node where the
  // table says it belongs, which a registration under a nearer-registered
  // ancestor (AddNode's default) may have skipped.
  const Division* d = divisions_.Find(code);
  const std::string above = d == nullptr        ? ""
                            : d->parent.empty() ? std::string(feeds::kHubCode)
                                                : d->parent;
  if (parent != above) {
    return Status::Invalid("parent: " + parent + " (" + feeds::NodeLevelName(parent_level) +
                           ") is not exactly one level above " + code + " (" +
                           feeds::NodeLevelName(node->level) + "); the division table " +
                           config_.divisions_file + " puts " + code + " under " +
                           (above.empty() ? std::string("nothing") : above));
  }
  node->parent = parent;
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kNode;
  entry.node = std::move(*node);
  Result<feeds::SignedEntry> se = AppendEntry(std::move(entry), &basis);
  if (se.ok()) counters_.nodes_moved++;
  return se;
}

Result<feeds::SignedEntry> Hub::AddTopic(feeds::TopicDef topic) {
  ZQ_RETURN_IF_ERROR(feeds::ValidateTopic(topic));
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kTopic;
  entry.topic = std::move(topic);
  return AppendEntry(std::move(entry));
}

Result<std::string> Hub::HeadStatement() {
  Result<feeds::ChainHead> read = store_->HeadOf(feeds::kHubCode);
  if (!read.ok()) return read.status().Context("head statement");
  const feeds::ChainHead& head = *read;
  base::TimeMs now = clock_.NowMs();
  std::lock_guard<std::mutex> lock(head_mu_);
  if (head_statement_.empty() || head.seq != head_seq_ ||
      now - head_time_ms_ >= config_.head_interval_s * 1000LL) {
    head_statement_ = feeds::SignHeadStatement(*CurrentKey(), feeds::kHubCode, head.seq, head.hash,
                                               now, now + config_.head_expiry_s * 1000LL)
                          .text;
    head_seq_ = head.seq;
    head_time_ms_ = now;
    counters_.head_statements_signed++;
  }
  return head_statement_;
}

std::vector<const base::CounterSet*> Hub::CounterSets() const {
  std::vector<const base::CounterSet*> sets = {&counters_};
  sets.insert(sets.end(), counter_sets_.begin(), counter_sets_.end());
  return sets;
}

}  // namespace zhanqun::hub
