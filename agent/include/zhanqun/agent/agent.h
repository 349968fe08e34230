// The site agent: follows its parent, verifies, stores, relays, indexes,
// renders its local site and acknowledges. Threads: a follower per origin
// (the hub's log and each ancestor's), one indexer, one acknowledger and,
// when the site is on, one site renderer; HTTP handlers (agent_http.h) read
// through the accessors.
//
// Thread-safe. Start() once; Stop() (or the destructor) joins the threads.
#ifndef ZHANQUN_AGENT_AGENT_H_
#define ZHANQUN_AGENT_AGENT_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/config.h"
#include "zhanqun/agent/localizer.h"
#include "zhanqun/agent/upstreams.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/counters.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/search/search_index.h"

namespace zhanqun::agent {

// Prometheus names are zhanqun_agent_<name>_total (docs/api.md).
struct AgentCounters : base::CounterSet {
  base::Counter fetches{*this, "fetches",
                        "Feed pages requested from the parent (long-polls included)."};
  base::Counter fetch_errors{
      *this, "fetch_errors",
      "Feed requests that failed (network, HTTP status or undecodable page)."};
  base::Counter entries_received{*this, "entries_received", "Entries received from the parent."};
  base::Counter entries_verified{*this, "entries_verified",
                                 "Entries that verified and were stored."};
  base::Counter entries_indexed{*this, "entries_indexed", "Entries added to the search index."};
  base::Counter store_commits{*this, "store_commits",
                              "Store transactions (one per applied page, not per entry)."};
  base::Counter index_commits{*this, "index_commits",
                              "Search index commits (one per batch, not per entry)."};
  base::Counter memory_releases{
      *this, "memory_releases",
      "Times the agent handed freed heap back to the system on going idle."};
  base::Counter entries_rejected{*this, "entries_rejected",
                                 "Entries or pages refused and quarantined."};
  base::Counter duplicates_ignored{*this, "duplicates_ignored",
                                   "Entries received again, identical to what is held."};
  base::Counter acks_sent{*this, "acks_sent", "Report envelopes the upstream accepted."};
  base::Counter ack_errors{*this, "ack_errors", "Report envelopes that failed."};
  base::Counter reports_relayed{*this, "reports_relayed", "Children's reports passed up the tree."};
  base::Counter reports_dropped{*this, "reports_dropped",
                                "Children's reports dropped because the relay queue was full."};
  base::Counter upstream_switches{*this, "upstream_switches",
                                  "Moves to another upstream (failover and return)."};
  base::Counter head_statements_refused{*this, "head_statements_refused",
                                        "Head statements from upstream that did not verify."};
};

// One event for the daemon's log: name plus key=value fields.
using EventSink = std::function<void(const std::string& event,
                                     const std::vector<std::pair<std::string, std::string>>&)>;

// Result of applying one fetched feed page.
struct ApplyOutcome {
  std::size_t applied = 0;     // newly verified and stored
  std::size_t duplicates = 0;  // identical to what we hold
  base::Status rejected;       // first rejection, if any (later entries not applied)
};

class Agent {
 public:
  static base::Result<std::unique_ptr<Agent>> Open(const AgentConfig& config,
                                                   const base::Clock& clock, EventSink sink);
  ~Agent();

  // Repairs the index (entries stored but not indexed), then starts threads.
  base::Status Start();
  void Stop();

  // Verifies and stores the entries of one fetched page, in order. Stops at
  // the first entry that fails verification: it is quarantined with the
  // reason and `source`, nothing after it is applied. Thread-safe.
  ApplyOutcome ApplyPage(const std::string& origin, const std::vector<feeds::ParsedEntry>& page,
                         const std::string& source);
  // Indexes every stored entry not yet indexed; returns how many. What it
  // indexes is searchable at once (searches go through the writer) and is
  // marked "indexed"; it is committed (made durable) by CommitIndex, at once
  // for a full catch-up batch, else within kIndexCommitDelayMs, so a stream
  // of single entries shares commits. The index is derived from the store: a
  // crash before the commit only means those entries are indexed again at
  // the next start.
  base::Result<std::size_t> CatchUpIndex();
  // Commits what CatchUpIndex left uncommitted, if it is `force`d or has
  // waited IndexCommitDelayMs(). Returns how many entries it committed.
  base::Result<std::size_t> CommitIndex(bool force);
  // How long the entries indexed since the last commit wait for theirs: drawn
  // anew for each batch, uniformly from [kIndexCommitDelayMs / 2,
  // kIndexCommitDelayMs]. Nodes that index the same stream in step would
  // otherwise all commit after the same entry, and where they share CPU (a
  // simulated tree on one machine, agents on one VM host) that burst of
  // commits delays the next entry everywhere at once.
  std::int64_t IndexCommitDelayMs();
  static constexpr std::int64_t kIndexCommitDelayMs = 10000;
  // A commit blocks indexing while it runs, so the indexer commits just
  // after it indexed something (the next entry is then likely furthest
  // off), or once nothing has come for this long: longer than the gaps of
  // any stream that would make commits worth sharing, so that a timed
  // commit does not land on the next entry of a steady stream.
  static constexpr std::int64_t kIndexIdleMs = 15000;
  // Once nothing has been indexed for kIndexIdleMs after indexing releases, hands
  // the heap that work freed back to the system: it closes the index's
  // writer (SearchIndex::ReleaseMemory), empties the store's page cache and
  // the feed pages kept for children, and trims the heap (malloc_trim). An agent is idle nearly all
  // the time, and without this it keeps its busiest moment's heap (3.2 MB of 8.7 MB RssAnon after a
  // stream, measured; the writer held another 0.8 MB). The next entry then faults a few MB in
  // again, a few ms. Returns whether it released.
  bool ReleaseMemoryIfIdle();

  base::Result<search::SearchResults> Search(const search::SearchQuery& q);
  std::string StatusJson();

  // Signs `entry` as the next entry of our own log, stores it and wakes
  // our children's long-polls.
  base::Result<feeds::SignedEntry> AppendOwn(feeds::Entry entry);
  // nullptr when the local site is off.
  Localizer* localizer() { return localizer_.get(); }
  // True for "Bearer <admin token>" when an admin token is configured.
  bool CheckAdminBearer(const std::string& authorization_header) const;
  // Defines a local topic (专题) in our own log; it reaches our children too.
  base::Result<feeds::SignedEntry> AddLocalTopic(feeds::TopicDef topic);
  // Asks the site thread to refresh the site soon.
  void RequestSiteRefresh();

  // Reports from a child (an envelope signed by it, docs/protocol.md): queued
  // and passed up with our own. Returns how many reports were queued.
  base::Result<std::size_t> AcceptChildReports(const std::string& body,
                                               const std::string& signature_header);
  // Our estimate of the hub's clock now, and its bound.
  base::TimeMs HubNowMs() const { return clock_sync_.HubTime(clock_.NowMs()); }
  feeds::ClockEstimate ClockEstimate() const { return clock_sync_.Estimate(); }
  // The newest verified hub head statement we hold ("" when none).
  std::string HeadStatementText();
  // True when our newest head statement has expired on the hub's clock.
  bool IsStale();
  // Fault injection (config fault_injection): a frozen agent stops following
  // its upstream but keeps serving and reporting — a frozen relay.
  void SetFrozen(bool frozen);
  bool frozen() const { return frozen_; }
  // Every origin we follow: the configured ones and our ancestors'.
  std::vector<std::string> FollowedOrigins();
  // A hex secret derived from our signing key and `label` (Ed25519 signatures
  // are deterministic): stable across restarts, unguessable without the key.
  std::string DeriveSecret(const std::string& label) const;

  // Encoded feed pages shared by the requests of our children (agent_http.cc).
  const std::shared_ptr<feeds::FeedPageCache>& feed_pages() const { return feed_pages_; }
  AgentStore& store() { return *store_; }
  feeds::AppendNotifier& notifier() { return notifier_; }
  const AgentConfig& config() const { return config_; }
  const base::Clock& clock() const { return clock_; }
  AgentCounters& counters() { return counters_; }

 private:
  Agent(AgentConfig config, const base::Clock& clock, EventSink sink,
        std::unique_ptr<AgentStore> store, std::unique_ptr<search::SearchIndex> index,
        feeds::SecretKey key, feeds::PublicKey hub_key);
  void FollowLoop(const std::string& origin);
  // Starts a follower for every origin we should carry that has none yet:
  // the configured ones, and the logs of our ancestors as the registry
  // names them (their interpretations reach us through our parent).
  void EnsureFollowers();
  std::vector<std::string> Ancestors();
  void RefreshSite();
  // Renders the site on its own thread, so page writes never delay indexing
  // or relaying.
  void SiteLoop();
  base::Status OpenSite();
  bool FetchOnce(const std::string& origin, net::HttpClient& client);
  void IndexLoop();
  // REQUIRES: index_mu_ held.
  base::Status CommitIndexLocked();
  // Passes just-stored entries of an indexed origin to the indexer.
  void HandOff(const std::string& origin, const std::vector<feeds::SignedEntry>& stored);
  // Takes the handed-off entries of `origin` that follow `after` without a
  // gap (at most `limit`); empty when the next one was not handed off.
  std::vector<std::pair<std::uint64_t, std::optional<feeds::Release>>> TakeHandedOff(
      const std::string& origin, std::uint64_t after, std::size_t limit);
  void AckLoop();
  base::Status SendReports(net::HttpClient& client);
  // Our report, numbered (boot_, report_n_ + 1); `rejections` receives how
  // many pending rejections it carries, `acks` how many stage transitions
  // (none while `with_acks` is false: the clock estimate is not known yet).
  std::string BuildOwnReport(bool with_acks, std::size_t* rejections, std::size_t* acks);
  // Stage times are only worth sending once our offset to the hub's clock is
  // known; until then (a few report rounds after start, at most
  // kClockWaitMs) reports carry no acks and the transitions wait.
  bool ClockReadyForAcks();
  // Records that `origin` reached `stage` up to `seq` now (our clock).
  void RecordStage(const std::string& origin, const std::string& stage, std::uint64_t seq);
  void RecordStageLocked(const std::string& origin, const std::string& stage, std::uint64_t seq,
                         base::TimeMs at);
  // Verifies a head statement from an upstream; keeps it if newer.
  void OfferHeadStatement(const std::string& text);
  // Upstream housekeeping, on the report thread: leave a stale upstream,
  // return to a better-ranked one that is healthy again.
  void CheckUpstreams(net::HttpClient& client);
  bool ProbeUpstream(std::size_t index, net::HttpClient& client);
  void NoteSwitch(const std::string& reason);
  void Reject(const std::string& origin, const feeds::ParsedEntry& e, const base::Status& why,
              const std::string& source);
  // Steps of ApplyPage. REQUIRES: apply_mu_ held.
  bool IsHeld(const std::string& origin, const feeds::ParsedEntry& e, const feeds::ChainHead& head);
  base::Result<feeds::SignedEntry> VerifyFromFeed(const std::string& origin,
                                                  const feeds::ParsedEntry& e,
                                                  const feeds::ChainHead& head);
  void LearnKeys(const std::string& origin, const feeds::SignedEntry& se);
  // False (with out->rejected set if it was OK) when the store refused the entries.
  bool StoreVerified(const std::string& origin, const std::vector<feeds::SignedEntry>& verified,
                     ApplyOutcome* out);
  void RecordProgress(const std::string& origin, std::uint64_t received, std::uint64_t verified);
  void Emit(const std::string& event, std::vector<std::pair<std::string, std::string>> fields);
  void RebuildTrust();
  void WakeIndexer();
  void WakeAcker();
  bool Sleep(std::int64_t ms);

  AgentConfig config_;
  const base::Clock& clock_;
  EventSink sink_;
  std::unique_ptr<AgentStore> store_;
  std::mutex index_mu_;
  std::unique_ptr<search::SearchIndex> index_;
  // Entries just stored, handed to the indexer as parsed so that it need not
  // read and parse them back from the store: origin -> seq -> the release
  // (nullopt for entries that index nothing). Bounded by kIndexBatch entries
  // (beyond that the indexer reads the store, as after a restart).
  std::mutex handoff_mu_;
  std::map<std::string, std::map<std::uint64_t, std::optional<feeds::Release>>> handoff_;
  std::size_t handoff_size_ = 0;  // guarded by handoff_mu_
  // Entries indexed but not committed, and since when (monotonic ms); guarded by index_mu_.
  std::size_t uncommitted_ = 0;
  base::TimeMs uncommitted_since_ = 0;
  std::int64_t commit_delay_ms_ = kIndexCommitDelayMs;
  std::minstd_rand commit_jitter_{std::random_device{}()};
  base::TimeMs last_indexed_ = 0;  // monotonic; guarded by index_mu_
  bool release_pending_ = false;   // releases indexed since the last release of memory; index_mu_
  std::map<std::string, std::uint64_t> uncommitted_seq_;  // origin -> newest indexed seq
  std::map<std::string, std::uint64_t> committed_seq_;    // origin -> newest committed seq
  feeds::SecretKey key_;
  feeds::PublicKey hub_key_;

  std::mutex trust_mu_;
  feeds::TrustStore trust_;
  std::mutex apply_mu_;  // one page applied at a time per agent

  feeds::AppendNotifier notifier_;
  std::shared_ptr<feeds::FeedPageCache> feed_pages_ = std::make_shared<feeds::FeedPageCache>();
  AgentCounters counters_;

  std::mutex mu_;
  // One condition variable per waiting thread, so that a wake-up reaches
  // only the thread it is for: cv_ for Sleep() (stopping, or an upstream
  // switch), and the indexer's, the reporter's and the site's own.
  std::condition_variable cv_;
  std::condition_variable index_cv_;
  std::condition_variable ack_cv_;
  std::condition_variable site_cv_;
  bool stopping_ = false;
  std::atomic<bool> abort_{false};  // mirrors stopping_ for libcurl
  bool index_wanted_ = false;
  bool site_wanted_ = false;
  bool ack_wanted_ = false;
  // Progress on the hub's log, reported up the tree (guarded by mu_).
  struct StageMark {
    std::uint64_t seq = 0;
    base::TimeMs at_ms = 0;
  };
  std::map<std::string, StageMark> hub_stages_;  // stage -> newest
  std::deque<feeds::StageAck> transitions_;      // since the last report delivered
  std::deque<feeds::SignedReport> relay_queue_;  // children's reports to pass on
  std::uint64_t boot_ = 0;                       // report numbering: (boot_, report_n_)
  std::uint64_t report_n_ = 0;                   // report thread only
  base::TimeMs first_report_ms_ = 0;             // report thread only (monotonic)
  feeds::ClockSync clock_sync_;
  std::mutex head_mu_;
  feeds::HeadStatement head_;  // newest verified, guarded by head_mu_
  Upstreams upstreams_;
  base::TimeMs last_probe_ms_ = 0;  // report thread only
  std::atomic<bool> frozen_{false};
  struct Rejection {
    std::string origin;
    std::uint64_t seq;
    std::string reason;
  };
  std::vector<Rejection> pending_rejections_;  // reported with the next ack batch
  std::mutex threads_mu_;
  std::vector<std::thread> threads_;
  std::set<std::string> followed_;  // guarded by threads_mu_
  std::unique_ptr<Localizer> localizer_;
  std::string admin_token_sha256_;
  int data_dir_lock_fd_ = -1;  // flock on <data_dir>/lock, held while we live
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_AGENT_H_
