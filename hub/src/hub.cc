#include "zhanqun/hub/hub.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

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
      key_(std::move(key)),
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

Status Hub::Init(const HubConfig& config, const base::Clock& clock) {
  ::mkdir(config.data_dir.c_str(), 0700);
  Result<feeds::SecretKey> key = feeds::SecretKey::Generate();
  if (!key.ok()) return key.status();
  ZQ_RETURN_IF_ERROR(key->Save(config.key_file));
  Result<std::unique_ptr<Hub>> hub = Open(config, clock);
  if (!hub.ok()) return hub.status();
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kNode;
  entry.node = feeds::Node{feeds::kHubCode,
                           "中华人民共和国中央人民政府",
                           feeds::NodeLevel::kNational,
                           "",
                           {key->public_key()}};
  return (*hub)->AppendEntry(std::move(entry)).status();
}

Result<feeds::SignedEntry> Hub::AppendEntry(feeds::Entry entry) {
  entry.log.origin = feeds::kHubCode;
  entry.updated_ms = clock_.NowMs();
  Result<feeds::SignedEntry> se = store_->Append(
      feeds::kHubCode,
      [&](const feeds::ChainHead& head) { return feeds::SignEntry(entry, head, key_); },
      entry.updated_ms);
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

Result<feeds::SignedEntry> Hub::MoveNode(const std::string& code, const std::string& parent) {
  if (code == feeds::kHubCode) return Status::Invalid("code: the hub (000000) has no parent");
  Result<std::optional<NodeRow>> row = store_->FindNode(code);
  if (!row.ok()) return row.status().Context("node " + code);
  if (!*row) return Status::NotFound("node " + code + " is not registered");
  feeds::Node node = (*row)->node;
  if (node.parent == parent) {
    return Status::Precondition("parent: node " + code + " is already under " + parent);
  }
  if (!divisions_.IsAncestor(parent, code)) {
    return Status::Invalid("parent: " + parent + " is not an ancestor of " + code +
                           " in the division table " + config_.divisions_file);
  }
  Result<bool> parent_registered = IsRegistered(parent);
  if (!parent_registered.ok()) return parent_registered.status();
  if (!*parent_registered) {
    return Status::Precondition("parent: node " + parent + " is not registered; add it first");
  }
  node.parent = parent;
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kNode;
  entry.node = std::move(node);
  Result<feeds::SignedEntry> se = AppendEntry(std::move(entry));
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
    head_statement_ = feeds::SignHeadStatement(key_, feeds::kHubCode, head.seq, head.hash, now,
                                               now + config_.head_expiry_s * 1000LL)
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
