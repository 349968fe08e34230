#include "zhanqun/agent/agent.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <set>
#include <utility>

#include "zhanqun/base/hash.h"
#include "zhanqun/base/thread_name.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/trust.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

// Thread priorities (nice values) below following and serving, which run at 0.
constexpr int kLocalWorkNice = 5;
constexpr int kReportNice = 10;

// Holds an exclusive lock on <data_dir>/lock for as long as the agent
// lives, so that a second agent on the same data directory fails at start
// instead of interleaving writes with the first. The file names the holder.
Result<std::unique_ptr<base::FileLock>> LockDataDir(base::Env& env, const std::string& data_dir) {
  const std::string path = data_dir + "/lock";
  Result<std::unique_ptr<base::FileLock>> lock =
      env.LockFile(path, "pid " + std::to_string(::getpid()));
  if (lock.ok()) return lock;
  if (lock.status().code() != base::Code::kFailedPrecondition) {
    return lock.status().Context("data_dir");
  }
  Result<std::string> holder = env.ReadFile(path, 256);
  std::string who = holder.ok() ? *holder : "";
  while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
  return Status::Precondition("data_dir: " + data_dir + " is in use by another zhanqun-agent" +
                              (who.empty() ? "" : " (" + who + ")"));
}

// The root keys of `trust_root`, or the legacy fixed `hub_public_key`.
Result<TrustAnchor> LoadTrustAnchor(const AgentConfig& config, base::Env& env) {
  TrustAnchor anchor;
  if (config.trust_root.empty()) {
    Result<feeds::PublicKey> hub_key = feeds::LoadPublicKeyFile(config.hub_public_key, env);
    if (!hub_key.ok()) return hub_key.status().Context("hub_public_key");
    anchor.hub_key = *hub_key;
    return anchor;
  }
  Result<std::string> text = env.ReadFile(config.trust_root, 64 * 1024);
  if (!text.ok()) return text.status().Context("trust_root");
  Result<std::vector<feeds::PublicKey>> keys = feeds::ParseRootKeys(*text);
  if (!keys.ok()) return keys.status().Context("trust_root " + config.trust_root);
  anchor.roots = feeds::TrustRoots{std::move(*keys), config.trust_threshold};
  ZQ_RETURN_IF_ERROR(feeds::ValidateTrustRoots(anchor.roots).Context("trust_root"));
  return anchor;
}

}  // namespace

Agent::Agent(AgentConfig config, const base::Clock& clock, EventSink sink,
             net::HttpClientFactory http, base::Env& env, std::unique_ptr<AgentStore> store,
             std::unique_ptr<search::SearchIndex> index, feeds::SecretKey key,
             const TrustAnchor& anchor)
    : config_(std::move(config)),
      clock_(clock),
      sink_(std::move(sink)),
      http_(std::move(http)),
      env_(env),
      key_(std::move(key)),
      store_(std::move(store)),
      upstreams_(config_.upstreams),
      trust_(anchor),
      // Head statements verify with the hub's currently certified online keys.
      // Our children's long-polls on the hub's log pass a newer statement on.
      freshness_([this](base::TimeMs now) { return trust_.HubStatementKeys(now); }, clock_,
                 counters_, sink_, [this] { notifier_.Notify(feeds::kHubCode); }),
      indexer_(config_.origins, std::move(index), *store_, clock_, counters_, sink_,
               IndexerHooks()),
      watch_(upstreams_, freshness_, *store_, trust_, clock_, frozen_,
             [this](const std::string& reason) { NoteSwitch(reason); }),
      reporter_(ReporterEnvironment()),
      applier_(config_.node, *store_, trust_, clock_, counters_, sink_, ApplierHooks()) {}

Result<std::unique_ptr<Agent>> Agent::Open(const AgentConfig& config, const base::Clock& clock,
                                           EventSink sink, net::HttpClientFactory http,
                                           base::Env& env) {
  Result<feeds::SecretKey> key = feeds::SecretKey::Load(config.key_file, env);
  if (!key.ok()) return key.status().Context("key_file");
  Result<TrustAnchor> anchor = LoadTrustAnchor(config, env);
  if (!anchor.ok()) return anchor.status();
  ZQ_RETURN_IF_ERROR(env.CreateDirs(config.data_dir, 0700).Context("data_dir"));
  Result<std::unique_ptr<base::FileLock>> lock = LockDataDir(env, config.data_dir);
  if (!lock.ok()) return lock.status();
  Result<std::unique_ptr<AgentStore>> store = AgentStore::Open(config.DbPath());
  if (!store.ok()) return store.status();
  Result<std::unique_ptr<search::SearchIndex>> index =
      search::SearchIndex::Open(config.IndexPath(), search::SearchIndex::Mode::kWritable);
  if (!index.ok() && index.status().code() == base::Code::kCorruption) {
    // The index is derived data (written without fsync): one a crash left
    // unreadable is set aside and rebuilt from the store at Start().
    std::string aside = config.IndexPath() + ".unreadable-" + std::to_string(clock.NowMs());
    if (env.Rename(config.IndexPath(), aside).ok()) {
      Emit(sink, "index_set_aside", {{"error", index.status().ToString()}, {"moved_to", aside}});
      index = search::SearchIndex::Open(config.IndexPath(), search::SearchIndex::Mode::kWritable);
    }
  }
  if (!index.ok()) return index.status();
  std::unique_ptr<Agent> agent(new Agent(config, clock, std::move(sink), std::move(http), env,
                                         std::move(*store), std::move(*index), std::move(*key),
                                         *anchor));
  agent->data_dir_lock_ = std::move(*lock);
  ZQ_RETURN_IF_ERROR(agent->trust_.Rebuild(*agent->store_));
  ZQ_RETURN_IF_ERROR(agent->OpenSite());
  return agent;
}

Agent::~Agent() {
  Stop();
  // The store and the index close with the members, after this; a new agent
  // on this data directory waits for neither (SQLite and Xapian lock on
  // their own).
}

Status Agent::Start() {
  Result<std::size_t> repaired = indexer_.CatchUp();
  if (repaired.ok()) {
    Result<std::size_t> committed = indexer_.Commit(/*force=*/true);
    if (!committed.ok()) repaired = committed.status();
  }
  if (!repaired.ok()) return repaired.status().Context("index repair");
  if (*repaired > 0) Emit(sink_, "index_repaired", {{"entries", std::to_string(*repaired)}});
  Result<std::uint64_t> held = store_->Head(feeds::kHubCode);
  if (!held.ok()) return held.status().Context("hub log head");
  reporter_.MarkHeldAtStart(*held, indexer_.ProgressOf(feeds::kHubCode).indexed, site_ != nullptr);
  if (site_) site_->RequestRefresh();  // renders the site once at start
  {
    std::lock_guard<std::mutex> lock(threads_mu_);
    // Relaying is what keeps a whole subtree waiting, so the threads that
    // only serve this node (indexing, rendering) and the reporter (whose
    // reports carry their own times) yield the CPU to following and serving.
    Spawn("index", kLocalWorkNice, [this] { indexer_.Run(); });
    Spawn("report", kReportNice, [this] { reporter_.Run(); });
    if (site_) Spawn("site", kLocalWorkNice, [this] { site_->Run(); });
  }
  EnsureFollowers();
  return Status::Ok();
}

void Agent::Spawn(std::string name, int nice, std::function<void()> body) {
  threads_.emplace_back([name = std::move(name), nice, body = std::move(body)] {
    base::SetThreadName(name);
    if (nice != 0) base::SetThreadNice(nice);
    body();
  });
}

void Agent::Stop() {
  {
    std::lock_guard<std::mutex> lock(threads_mu_);
    stopping_ = true;
    for (auto& [origin, follower] : followers_) follower->Stop();
  }
  indexer_.Stop();
  reporter_.Stop();
  if (site_) site_->Stop();
  notifier_.Close();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(threads_mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
  // What is searchable is made durable before we go; failing that, the next
  // start indexes it again from the store.
  Result<std::size_t> committed = indexer_.Commit(/*force=*/true);
  if (!committed.ok()) Emit(sink_, "index_failed", {{"error", committed.status().ToString()}});
}

void Agent::BarRevokedParent(const std::string& parent) {
  // A parent the registry revoked or removed cannot sign its reports (the hub
  // refuses them, and ours with them) and is no longer trusted to relay: our
  // upstream is the next one until it is re-keyed (docs/protocol.md §6.4).
  if (upstreams_.size() < 2) return;
  const bool bar = !parent.empty() && !trust_.MaySpeak(parent);
  if (bar == upstreams_.barred(0)) return;
  const bool moved = upstreams_.SetBarred(0, bar);
  counters_.upstream_bars += bar ? 1 : 0;
  Emit(sink_, bar ? "upstream_barred" : "upstream_unbarred",
       {{"parent", parent}, {"url", upstreams_.url(0)}});
  if (moved)
    NoteSwitch("parent " + parent + " has no key granted without end (revoked or removed)");
}

void Agent::EnsureFollowers() {
  // Ancestors' logs are carried whether or not our own site is on: we relay
  // them to children whose sites need those interpretation layers.
  std::vector<std::string> wanted = config_.origins;
  // Without the registry, the ancestors' logs wait for the next pass (the
  // indexer calls this after each); the configured origins are followed now.
  Result<std::vector<std::string>> ancestors = store_->Ancestors(config_.node);
  if (ancestors.ok()) {
    wanted.insert(wanted.end(), ancestors->begin(), ancestors->end());
  } else {
    Emit(sink_, "registry_unreadable", {{"error", ancestors.status().ToString()}});
  }
  if (ancestors.ok()) BarRevokedParent(ancestors->empty() ? "" : ancestors->front());
  std::lock_guard<std::mutex> lock(threads_mu_);
  if (stopping_) return;
  // A move (docs/protocol.md, node entries) takes an ancestor away: its log
  // is no longer ours to carry or show. Its follower stops now; the object
  // lives until Stop() joins its thread.
  if (ancestors.ok()) {
    for (auto it = followers_.begin(); it != followers_.end();) {
      if (std::find(wanted.begin(), wanted.end(), it->first) != wanted.end()) {
        ++it;
        continue;
      }
      Emit(sink_, "unfollowing", {{"origin", it->first}, {"reason", "no longer an ancestor"}});
      it->second->Stop();
      retired_.push_back(std::move(it->second));
      it = followers_.erase(it);
    }
  }
  for (const std::string& origin : wanted) {
    if (followers_.count(origin)) continue;
    if (origin != config_.origins.front()) Emit(sink_, "following", {{"origin", origin}});
    Follower* f =
        followers_.emplace(origin, std::make_unique<Follower>(origin, FollowerEnvironment()))
            .first->second.get();
    Spawn("follow " + origin, 0, [f] { f->Run(); });
  }
}

std::vector<std::string> Agent::FollowedOrigins() {
  std::lock_guard<std::mutex> lock(threads_mu_);
  std::set<std::string> all(config_.origins.begin(), config_.origins.end());
  for (const auto& [origin, follower] : followers_) all.insert(origin);
  return {all.begin(), all.end()};
}

std::string Agent::DeriveSecret(const std::string& label) const {
  const std::array<std::uint8_t, 64> sig = key_.SignRaw("zhanqun derived secret: " + label);
  return base::Sha256Hex(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
}

Result<feeds::SignedEntry> Agent::AppendOwn(feeds::Entry entry) {
  entry.log.origin = config_.node;
  entry.updated_ms = clock_.NowMs();
  Result<feeds::SignedEntry> se = store_->AppendOwn(
      config_.node,
      [&](const feeds::ChainHead& head) -> Result<feeds::SignedEntry> {
        // Nothing it signs outside its grant would verify anywhere: don't sign it.
        ZQ_RETURN_IF_ERROR(trust_.MaySign(config_.node, key_.public_key(), head.seq + 1));
        return feeds::SignEntry(entry, head, key_);
      },
      entry.updated_ms);
  if (se.ok()) {
    sign_refused_ = false;
    notifier_.Notify(config_.node);
    indexer_.Wake();
  } else if (se.status().code() == base::Code::kPermissionDenied) {
    counters_.sign_refused++;
    // Logged once per refusal streak: the site worker asks again on every pass.
    if (!sign_refused_.exchange(true)) {
      Emit(sink_, "sign_refused", {{"node", config_.node}, {"reason", se.status().message()}});
    }
  }
  return se;
}

void Agent::SetFrozen(bool frozen) {
  frozen_ = frozen;
  Emit(sink_, frozen ? "frozen" : "unfrozen", {{"by", "fault injection"}});
}

}  // namespace zhanqun::agent
