// The site agent: owns its parts and wires them together. The parts, each
// on its own thread with its own queue:
//   Follower (one per followed origin)  fetches pages -> LogApplier
//   LogApplier  verifies, stores, quarantines -> Indexer, Reporter, children
//   Indexer     indexes and commits -> Reporter (stages), SiteWorker
//   Reporter    sends our report and our children's up the tree
//   SiteWorker  (when the local site is on) renders the site
// HTTP handlers (agent_http.h) reach the parts through the accessors.
//
// Thread-safe. Open(), then Start() once; Stop() (or the destructor) stops
// and joins the threads. Owns every part, the store and the index; the
// clock must outlive it. HTTP clients come from the factory it is given, so
// tests run it without sockets.
#ifndef ZHANQUN_AGENT_AGENT_H_
#define ZHANQUN_AGENT_AGENT_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "zhanqun/agent/agent_counters.h"
#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/config.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/agent/follower.h"
#include "zhanqun/agent/hub_freshness.h"
#include "zhanqun/agent/indexer.h"
#include "zhanqun/agent/localizer.h"
#include "zhanqun/agent/log_applier.h"
#include "zhanqun/agent/reporter.h"
#include "zhanqun/agent/site_worker.h"
#include "zhanqun/agent/trusted_keys.h"
#include "zhanqun/agent/upstream_watch.h"
#include "zhanqun/agent/upstreams.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/env.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

class Agent {
 public:
  // Takes the data directory's lock, opens the store and the index, and the
  // local site when configured. Configuration errors name their field.
  // Every file the agent reads or writes outside its databases goes through
  // `env` (its lock, key files, profile, token, site pages); it must outlive
  // the agent.
  static base::Result<std::unique_ptr<Agent>> Open(const AgentConfig& config,
                                                   const base::Clock& clock, EventSink sink,
                                                   net::HttpClientFactory http,
                                                   base::Env& env = base::Env::Default());
  ~Agent();

  // Repairs the index (entries stored but not indexed), then starts threads.
  base::Status Start();
  void Stop();

  // Signs `entry` as the next entry of our own log, stores it and wakes
  // our children's long-polls.
  base::Result<feeds::SignedEntry> AppendOwn(feeds::Entry entry);
  // Defines a local topic (专题) in our own log; it reaches our children too.
  base::Result<feeds::SignedEntry> AddLocalTopic(feeds::TopicDef topic);
  // True for "Bearer <admin token>" when an admin token is configured.
  bool CheckAdminBearer(const std::string& authorization_header) const;
  // Asks the site thread to refresh the site soon (nothing when it is off).
  void RequestSiteRefresh();
  // Fault injection (config fault_injection): a frozen agent stops following
  // its upstream but keeps serving and reporting — a frozen relay.
  void SetFrozen(bool frozen);
  bool frozen() const { return frozen_; }
  // Every origin we follow: the configured ones and our ancestors'.
  std::vector<std::string> FollowedOrigins();
  // A hex secret derived from our signing key and `label` (Ed25519 signatures
  // are deterministic): stable across restarts, unguessable without the key.
  std::string DeriveSecret(const std::string& label) const;
  // GET /api/v1/status (agent_status.cc). Fails when the store cannot be read.
  base::Result<std::string> StatusJson();

  // The parts.
  LogApplier& applier() { return applier_; }
  Indexer& indexer() { return indexer_; }
  Reporter& reporter() { return reporter_; }
  HubFreshness& freshness() { return freshness_; }
  const Upstreams& upstreams() const { return upstreams_; }
  // nullptr when the local site is off.
  Localizer* localizer() { return site_ ? &site_->localizer() : nullptr; }

  // Encoded feed pages shared by the requests of our children (agent_http.cc).
  const std::shared_ptr<feeds::FeedPageCache>& feed_pages() const { return feed_pages_; }
  AgentStore& store() { return *store_; }
  feeds::AppendNotifier& notifier() { return notifier_; }
  const AgentConfig& config() const { return config_; }
  const base::Clock& clock() const { return clock_; }
  AgentCounters& counters() { return counters_; }
  const net::HttpClientFactory& http_clients() const { return http_; }

 private:
  Agent(AgentConfig config, const base::Clock& clock, EventSink sink, net::HttpClientFactory http,
        base::Env& env, std::unique_ptr<AgentStore> store,
        std::unique_ptr<search::SearchIndex> index, feeds::SecretKey key,
        const TrustAnchor& anchor);
  // The hooks through which the parts reach each other.
  ApplyHooks ApplierHooks();
  IndexHooks IndexerHooks();
  ReporterEnv ReporterEnvironment();
  FollowerEnv FollowerEnvironment();
  base::Status OpenSite();
  // Counts and logs a move to another upstream.
  void NoteSwitch(const std::string& reason);
  // Starts a follower for every origin we should carry that has none yet:
  // the configured ones, and the logs of our ancestors as the registry
  // names them (their interpretations reach us through our parent).
  // Bars our parent as upstream while the registry grants it no key without
  // end, and lifts the bar when it is re-keyed. "" when our parent is the hub.
  void BarRevokedParent(const std::string& parent);
  void EnsureFollowers();
  // REQUIRES: threads_mu_ held.
  void Spawn(std::string name, int nice, std::function<void()> body);

  AgentConfig config_;
  const base::Clock& clock_;
  const EventSink sink_;
  const net::HttpClientFactory http_;
  base::Env& env_;
  const feeds::SecretKey key_;
  std::unique_ptr<AgentStore> store_;
  feeds::AppendNotifier notifier_;
  std::shared_ptr<feeds::FeedPageCache> feed_pages_ = std::make_shared<feeds::FeedPageCache>();
  AgentCounters counters_;
  std::atomic<bool> frozen_{false};
  std::atomic<bool> sign_refused_{false};  // sign_refused was emitted and nothing signed since
  Upstreams upstreams_;
  TrustedKeys trust_;
  HubFreshness freshness_;
  Indexer indexer_;
  UpstreamWatch watch_;
  Reporter reporter_;
  LogApplier applier_;
  std::unique_ptr<SiteWorker> site_;  // set by Open when the site is on
  std::string admin_token_sha256_;

  std::mutex threads_mu_;
  bool stopping_ = false;  // guarded by threads_mu_: no thread starts after Stop
  std::vector<std::thread> threads_;
  std::map<std::string, std::unique_ptr<Follower>> followers_;  // guarded by threads_mu_
  // Followers of logs we stopped carrying; their threads end, Stop() joins them.
  std::vector<std::unique_ptr<Follower>> retired_;  // guarded by threads_mu_
  std::unique_ptr<base::FileLock> data_dir_lock_;   // <data_dir>/lock, held while we live
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_AGENT_H_
