// The hub service: publishing, the node registry, acknowledgements and
// cluster status, independent of HTTP (hub_http.h maps routes onto it).
//
// Owns its HubStore and signing key; knows nothing of staff, the desk or
// the web pages built on it (staff/, desk/, web/). Thread-safe.
#ifndef ZHANQUN_HUB_HUB_H_
#define ZHANQUN_HUB_HUB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/counters.h"
#include "zhanqun/base/metrics.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/feeds/trust.h"
#include "zhanqun/hub/cluster_status.h"
#include "zhanqun/hub/config.h"
#include "zhanqun/hub/divisions.h"
#include "zhanqun/hub/hub_store.h"
#include "zhanqun/hub/node_health.h"

namespace zhanqun::hub {

// Prometheus names are zhanqun_hub_<name>_total (docs/api.md).
struct HubCounters : base::CounterSet {
  base::Counter releases_published{*this, "releases_published",
                                   "Releases signed and appended to the hub's log."};
  base::Counter nodes_added{*this, "nodes_added", "Nodes registered in the hub's log."};
  base::Counter nodes_moved{*this, "nodes_moved",
                            "Nodes moved to another parent by a registry entry."};
  base::Counter publish_rejected{*this, "publish_rejected",
                                 "Publish requests refused (invalid release JSON)."};
  base::Counter acks_accepted{*this, "acks_accepted", "Report envelopes accepted."};
  base::Counter acks_rejected{*this, "acks_rejected",
                              "Report envelopes refused (signature, sender or content)."};
  base::Counter reports_accepted{*this, "reports_accepted", "Node reports recorded."};
  base::Counter reports_relayed{*this, "reports_relayed",
                                "Node reports recorded that another node's envelope carried."};
  base::Counter reports_refused{
      *this, "reports_refused",
      "Node reports refused (signature, node, content or head statement)."};
  base::Counter reports_replayed{*this, "reports_replayed",
                                 "Node reports ignored because their (boot, n) was already seen."};
  base::Counter head_statements_signed{*this, "head_statements_signed",
                                       "Head statements the hub signed."};
};

class Hub {
 public:
  // Opens the store and loads the key named in `config`.
  static base::Result<std::unique_ptr<Hub>> Open(const HubConfig& config, const base::Clock& clock);

  // Creates the data directory, a fresh key and the database, and appends
  // the hub's own registry entry. Fails if a key already exists.
  static base::Status Init(const HubConfig& config, const base::Clock& clock);
  // Init for a root-anchored cluster: the log's first entry (seq 1) is a
  // trust entry in which `root` (an offline root key, threshold 1) certifies
  // the fresh online key from seq 1 for `valid_ms` (docs/protocol.md §4.1).
  static base::Status InitWithRoot(const HubConfig& config, const base::Clock& clock,
                                   const feeds::SecretKey& root, base::TimeMs valid_ms);

  // Validates (errors name the field), sanitizes, signs and appends. Returns
  // once the entry is durable. An existing id gets the next version.
  base::Result<feeds::SignedEntry> Publish(feeds::Release release);

  // Registers a node from the division table and announces it in the log.
  // `parent` empty means the nearest registered ancestor.
  base::Result<feeds::SignedEntry> AddNode(const std::string& code, const std::string& parent,
                                           const feeds::PublicKey& key);

  // Restates a registered node's registry entry with `change` applied to its
  // current one (hub/node_keys.h: re-key, revoke, remove, rejoin) and
  // announces it in the log. kNotFound for an unregistered code; the
  // change's own error otherwise; nothing is appended on error.
  base::Result<feeds::SignedEntry> RestateNode(
      const std::string& code,
      const std::function<base::Result<feeds::Node>(const feeds::Node&)>& change);

  // Moves registered node `code` under `parent` (docs/protocol.md §4.1): a
  // node entry restating the node's current one with only its parent
  // changed; its keys, spans, status and epoch, and its children, stay as
  // they are. `parent` must be registered (kNotFound), neither the node nor
  // one of its descendants, and exactly one level above the node: its
  // parent in the division table, the hub for a province (kInvalid). The
  // same parent is kPrecondition; the hub itself does not move (kInvalid).
  // Nothing is appended on error.
  base::Result<feeds::SignedEntry> MoveNode(const std::string& code, const std::string& parent);

  // Defines (or redefines) a national topic (专题) in the log.
  base::Result<feeds::SignedEntry> AddTopic(feeds::TopicDef topic);

  // Verifies an envelope of node reports (docs/protocol.md, "Reports") sent
  // by its `from` node and records every report that verifies, in one
  // transaction. `signature_header` is the X-Zhanqun-Signature value. Fails
  // only when the envelope itself is malformed or not authentic, (for a
  // bare legacy report) when that report is refused, or with kUnavailable
  // when the store cannot be read (the sender retries).
  struct AckOutcome {
    std::size_t accepted = 0, replayed = 0;
    std::vector<std::pair<std::string, std::string>> refused;  // node, reason
  };
  base::Result<AckOutcome> AcceptReports(const std::string& body,
                                         const std::string& signature_header);
  base::Status AcceptAcks(const std::string& body, const std::string& signature_header) {
    return AcceptReports(body, signature_header).status();
  }

  // The current signed head statement of the hub's log, re-signed when the
  // log grew or head_interval_s passed. Fails when the head cannot be read.
  base::Result<std::string> HeadStatement();

  // The cluster now: per node its state (OK/WARN/ERR/STALLED/OFFLINE/STALE)
  // and why, stage seqs, missing entries, lag per stage, route, clock. A
  // fixed number of store queries, however many nodes are registered.
  // Fails when the store cannot be read. Rendered by status_json.h and
  // hub_metrics.h.
  base::Result<ClusterStatus> ReadClusterStatus();
  // Propagation of one release (its newest version): per node, when each
  // stage was reached, or since when it is due. kNotFound for an unknown id.
  base::Result<ReleaseStatus> ReadReleaseStatus(const std::string& id);
  // The same for each of the newest `limit` releases (HubStore::Releases),
  // in a fixed number of store queries.
  base::Result<std::vector<ReleaseStatus>> ReadReleaseStatuses(std::size_t limit);

  // More /metrics families from services built on the hub (the desk, the
  // ingestor). REQUIRES: called before serving; `write` outlives the Hub's use.
  using MetricsSource = std::function<void(base::MetricsWriter&)>;
  void AddMetricsSource(MetricsSource write) { metrics_sources_.push_back(std::move(write)); }
  const std::vector<MetricsSource>& metrics_sources() const { return metrics_sources_; }
  // More counters shown with the hub's own in /api/v1/counters and /metrics
  // (zhanqun_hub_<name>_total): the staff's, the desk's. REQUIRES: called
  // before serving; `set` outlives the Hub's use.
  void AddCounters(const base::CounterSet& set) { counter_sets_.push_back(&set); }
  // The hub's counters, then those added.
  std::vector<const base::CounterSet*> CounterSets() const;

  HubStore& store() { return *store_; }
  feeds::AppendNotifier& notifier() { return notifier_; }
  const HubConfig& config() const { return config_; }
  // The online key this hub signs with now (see RotateOnlineKey).
  feeds::PublicKey public_key();

  // Appends a trust entry: `statement` with its seq set to the entry's,
  // signed by every key of `roots`, the entry signed by `signer` (an online
  // key the statement grants at that seq). Does not change the key this hub
  // signs with. Fails (appending nothing) if the statement is invalid.
  base::Result<feeds::SignedEntry> AppendTrust(feeds::TrustStatement statement,
                                               const std::vector<const feeds::SecretKey*>& roots,
                                               const feeds::SecretKey& signer);
  // The newest trust statement of the hub's log; nullopt before the first.
  base::Result<std::optional<feeds::TrustStatement>> NewestTrust();
  // Replaces the online key (docs/operations.md "Root of trust"): a fresh
  // key, certified by `roots` in a trust entry that keeps the newest
  // statement's roots and expiry period, ends every open grant at that
  // entry's seq and grants the fresh key from it; the entry is signed by the
  // fresh key. Inside the append's write transaction the key file is
  // replaced (the old one kept as <key_file>.old, 0600), so every hub
  // process sharing the data directory signs the next entry with the fresh
  // key. Fails (nothing appended, files as they were) without a previous
  // trust entry or when `roots` do not meet the pinned threshold.
  base::Result<feeds::SignedEntry> RotateOnlineKey(
      const std::vector<const feeds::SecretKey*>& roots);
  // Replaces the root keys (docs/operations.md "Rotate the root keys"): a
  // trust entry that pins `new_roots` with `threshold` (0: the pinned set's
  // threshold, capped at the new set's size), keeps the online
  // grants and expiry of the newest statement, and carries the signatures
  // of `old_roots` (the pinned threshold of them) and of `new_roots` (the new
  // threshold). Checked as every agent will check it before anything is
  // appended: fails, appending nothing, when the signatures fall short,
  // without a previous trust entry, or when the new set is invalid.
  base::Result<feeds::SignedEntry> RotateRoots(
      const std::vector<const feeds::SecretKey*>& old_roots,
      const std::vector<const feeds::SecretKey*>& new_roots, int threshold);
  HubCounters& counters() { return counters_; }
  const base::Clock& clock() const { return clock_; }

 private:
  Hub(HubConfig config, const base::Clock& clock, std::unique_ptr<HubStore> store,
      feeds::SecretKey key, Divisions divisions);
  // `basis`, if set, is checked inside the append's transaction (HubStore::Basis).
  base::Result<feeds::SignedEntry> AppendEntry(feeds::Entry entry,
                                               const HubStore::Basis* basis = nullptr);
  base::Result<bool> IsRegistered(const std::string& code);
  // A head statement of our log from a report: signed by the current online
  // key, or by an earlier one about a head its grant covered.
  base::Result<feeds::HeadStatement> VerifyOwnHeadStatement(const std::string& text);
  // The node entry that registered `code` as it stands now, decoded from the
  // hub's log (the nodes row lacks its key history). kNotFound if unregistered.
  // `entry_seq`, if set, receives the entry's seq in the hub's log.
  base::Result<feeds::Node> RegistryEntry(const std::string& code,
                                          std::uint64_t* entry_seq = nullptr);

  HubConfig config_;
  const base::Clock& clock_;
  std::unique_ptr<HubStore> store_;
  // The signing key, reloaded when the key file changes (a rotation by
  // another process). Returns the current one.
  std::shared_ptr<const feeds::SecretKey> CurrentKey();
  struct KeyFileId {
    std::uint64_t ino = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const KeyFileId&) const = default;
  };
  KeyFileId StatKeyFile() const;

  std::mutex key_mu_;
  std::shared_ptr<const feeds::SecretKey> key_;  // guarded by key_mu_
  KeyFileId key_file_id_;                        // guarded by key_mu_
  Divisions divisions_;
  feeds::AppendNotifier notifier_;
  HubCounters counters_;
  std::vector<MetricsSource> metrics_sources_;
  std::vector<const base::CounterSet*> counter_sets_;
  HealthTracker health_;
  std::mutex head_mu_;
  std::string head_statement_;  // guarded by head_mu_
  std::uint64_t head_seq_ = 0;
  base::TimeMs head_time_ms_ = 0;
};

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_HUB_H_
