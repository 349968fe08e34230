#include "zhanqun/agent/agent.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <utility>

#include "zhanqun/base/hash.h"
#include "zhanqun/base/thread_name.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

constexpr std::size_t kIndexBatch = 500;
// Thread priorities (nice values) below following and serving, which run at 0.
constexpr int kLocalWorkNice = 5;
constexpr int kReportNice = 10;

// Level of a log origin from the shape of its GB/T 2260 code.
feeds::NodeLevel LevelOfCode(const std::string& code) {
  if (code == feeds::kHubCode) return feeds::NodeLevel::kNational;
  if (code.compare(2, 4, "0000") == 0) return feeds::NodeLevel::kProvince;
  if (code.compare(4, 2, "00") == 0) return feeds::NodeLevel::kCity;
  return feeds::NodeLevel::kCounty;
}

std::string Seq(std::uint64_t s) { return std::to_string(s); }

// This process's private resident memory (RssAnon in /proc/self/status), kB; 0 if unknown.
std::uint64_t RssAnonKb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  unsigned long long kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "RssAnon: %llu kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

// Holds an exclusive flock on <data_dir>/lock for as long as the returned fd
// is open, so that a second agent on the same data directory fails at start
// instead of interleaving writes with the first. The file holds the pid of
// the agent that holds it.
Result<int> LockDataDir(const std::string& data_dir) {
  const std::string path = data_dir + "/lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("data_dir: cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid[32] = {0};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      return Status::Precondition("data_dir: " + data_dir + " is in use by another zhanqun-agent" +
                                  (holder.empty() ? "" : " (pid " + holder + ")"));
    }
    return Status::IoError("data_dir: cannot lock " + path + ": " + std::strerror(err));
  }
  // Failing to write the pid only leaves it out of a second agent's message.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return fd;
}

}  // namespace

Agent::Agent(AgentConfig config, const base::Clock& clock, EventSink sink,
             std::unique_ptr<AgentStore> store, std::unique_ptr<search::SearchIndex> index,
             feeds::SecretKey key, feeds::PublicKey hub_key)
    : config_(std::move(config)),
      clock_(clock),
      sink_(std::move(sink)),
      store_(std::move(store)),
      index_(std::move(index)),
      key_(std::move(key)),
      hub_key_(hub_key),
      upstreams_(config_.upstreams) {
  std::random_device rd;
  boot_ = (static_cast<std::uint64_t>(rd()) << 32 | rd()) >> 1;  // fits a JSON integer
  if (boot_ == 0) boot_ = 1;
}

Result<std::unique_ptr<Agent>> Agent::Open(const AgentConfig& config, const base::Clock& clock,
                                           EventSink sink) {
  Result<feeds::SecretKey> key = feeds::SecretKey::Load(config.key_file);
  if (!key.ok()) return key.status().Context("key_file");
  Result<feeds::PublicKey> hub_key = feeds::LoadPublicKeyFile(config.hub_public_key);
  if (!hub_key.ok()) return hub_key.status().Context("hub_public_key");
  if (::mkdir(config.data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError("data_dir: cannot create " + config.data_dir);
  }
  Result<int> lock_fd = LockDataDir(config.data_dir);
  if (!lock_fd.ok()) return lock_fd.status();
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd >= 0) ::close(fd);
    }
  } lock{*lock_fd};
  Result<std::unique_ptr<AgentStore>> store = AgentStore::Open(config.DbPath());
  if (!store.ok()) return store.status();
  Result<std::unique_ptr<search::SearchIndex>> index =
      search::SearchIndex::Open(config.IndexPath(), search::SearchIndex::Mode::kWritable);
  if (!index.ok() && index.status().code() == base::Code::kCorruption) {
    // The index is derived data (written without fsync): one a crash left
    // unreadable is set aside and rebuilt from the store at Start().
    std::string aside = config.IndexPath() + ".unreadable-" + std::to_string(clock.NowMs());
    if (::rename(config.IndexPath().c_str(), aside.c_str()) == 0) {
      if (sink) {
        sink("index_set_aside", {{"error", index.status().ToString()}, {"moved_to", aside}});
      }
      index = search::SearchIndex::Open(config.IndexPath(), search::SearchIndex::Mode::kWritable);
    }
  }
  if (!index.ok()) return index.status();
  std::unique_ptr<Agent> agent(new Agent(config, clock, std::move(sink), std::move(*store),
                                         std::move(*index), std::move(*key), *hub_key));
  agent->data_dir_lock_fd_ = std::exchange(lock.fd, -1);
  agent->RebuildTrust();
  ZQ_RETURN_IF_ERROR(agent->OpenSite());
  return agent;
}

Agent::~Agent() {
  Stop();
  // The store and the index close with the members, after this; a new agent
  // on this data directory waits for neither (SQLite and Xapian lock on
  // their own).
  if (data_dir_lock_fd_ >= 0) ::close(data_dir_lock_fd_);
}

void Agent::RebuildTrust() {
  std::lock_guard<std::mutex> lock(trust_mu_);
  trust_ = feeds::TrustStore();
  // The configured hub key is the anchor; registry entries it signed add the rest.
  trust_.Add(feeds::kHubCode, hub_key_);
  for (const auto& [origin, key] : store_->TrustedKeys()) {
    if (origin != feeds::kHubCode) trust_.Add(origin, key);
  }
}

Status Agent::Start() {
  Result<std::size_t> repaired = CatchUpIndex();
  if (repaired.ok()) {
    Result<std::size_t> committed = CommitIndex(/*force=*/true);
    if (!committed.ok()) repaired = committed.status();
  }
  if (!repaired.ok()) return repaired.status().Context("index repair");
  if (*repaired > 0) Emit("index_repaired", {{"entries", std::to_string(*repaired)}});
  {
    std::uint64_t head = store_->Head(feeds::kHubCode);
    std::uint64_t indexed;
    {
      std::lock_guard<std::mutex> ilock(index_mu_);
      indexed = index_->IndexedSeq(feeds::kHubCode);
    }
    std::lock_guard<std::mutex> lock(mu_);
    // What we held before this start was reached earlier; its times are not
    // known any more, so these marks carry none (the hub has them already).
    for (const char* stage : {"received", "verified"}) hub_stages_[stage] = {head, 0};
    hub_stages_["indexed"] = {indexed, 0};
    if (!localizer_) {
      hub_stages_["localized"] = {indexed, 0};
      hub_stages_["live"] = {indexed, 0};
    }
    ack_wanted_ = true;
    site_wanted_ = true;  // renders the site once at start
  }
  {
    std::lock_guard<std::mutex> lock(threads_mu_);
    // Relaying is what keeps a whole subtree waiting, so the threads that
    // only serve this node (indexing, rendering) and the reporter (whose
    // reports carry their own times) yield the CPU to following and serving.
    threads_.emplace_back([this] {
      base::SetThreadName("index");
      base::SetThreadNice(kLocalWorkNice);
      IndexLoop();
    });
    threads_.emplace_back([this] {
      base::SetThreadName("report");
      base::SetThreadNice(kReportNice);
      AckLoop();
    });
    if (localizer_) {
      threads_.emplace_back([this] {
        base::SetThreadName("site");
        base::SetThreadNice(kLocalWorkNice);
        SiteLoop();
      });
    }
  }
  EnsureFollowers();
  return Status::Ok();
}

std::vector<std::string> Agent::Ancestors() {
  std::vector<std::string> out;
  std::optional<RegistryNode> n = store_->FindRegistryNode(config_.node);
  for (int guard = 0; n && guard < 8 && !n->parent.empty() && n->parent != feeds::kHubCode;
       ++guard) {
    out.push_back(n->parent);
    n = store_->FindRegistryNode(n->parent);
  }
  return out;
}

void Agent::EnsureFollowers() {
  // Ancestors' logs are carried whether or not our own site is on: we relay
  // them to children whose sites need those interpretation layers.
  std::vector<std::string> wanted = config_.origins;
  for (const std::string& a : Ancestors()) wanted.push_back(a);
  std::lock_guard<std::mutex> lock(threads_mu_);
  if (abort_) return;
  for (const std::string& origin : wanted) {
    if (!followed_.insert(origin).second) continue;
    if (origin != config_.origins.front()) Emit("following", {{"origin", origin}});
    threads_.emplace_back([this, origin] {
      base::SetThreadName("follow " + origin);
      FollowLoop(origin);
    });
  }
}

std::vector<std::string> Agent::FollowedOrigins() {
  std::lock_guard<std::mutex> lock(threads_mu_);
  std::set<std::string> all(followed_);
  all.insert(config_.origins.begin(), config_.origins.end());
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
      [&](const feeds::ChainHead& head) { return feeds::SignEntry(entry, head, key_); },
      entry.updated_ms);
  if (se.ok()) {
    notifier_.Notify(config_.node);
    WakeIndexer();
  }
  return se;
}

void Agent::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    abort_ = true;
  }
  net::HttpClient::WakeAll(&abort_);  // long-polls and reports in flight
  cv_.notify_all();
  index_cv_.notify_all();
  ack_cv_.notify_all();
  site_cv_.notify_all();
  notifier_.Close();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(threads_mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
  // What is searchable is made durable before we go; failing that, the next
  // start indexes it again from the store.
  Result<std::size_t> committed = CommitIndex(/*force=*/true);
  if (!committed.ok()) Emit("index_failed", {{"error", committed.status().ToString()}});
}

bool Agent::Sleep(std::int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
  return !stopping_;
}

void Agent::Emit(const std::string& event,
                 std::vector<std::pair<std::string, std::string>> fields) {
  if (sink_) sink_(event, fields);
}

void Agent::WakeIndexer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    index_wanted_ = true;
  }
  index_cv_.notify_one();
}

void Agent::WakeAcker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ack_wanted_ = true;
  }
  ack_cv_.notify_one();
}

void Agent::Reject(const std::string& origin, const feeds::ParsedEntry& e, const Status& why,
                   const std::string& source) {
  counters_.entries_rejected++;
  Status q =
      store_->Quarantine({origin, e.entry.log.seq, why.ToString(), source, clock_.NowMs(), e.wire});
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_rejections_.size() < 100) {
      pending_rejections_.push_back({origin, e.entry.log.seq, why.ToString()});
    }
    ack_wanted_ = true;
  }
  ack_cv_.notify_one();
  Emit("entry_rejected", {{"origin", origin},
                          {"seq", Seq(e.entry.log.seq)},
                          {"reason", why.ToString()},
                          {"source", source},
                          {"quarantined", q.ok() ? "yes" : q.ToString()}});
}

bool Agent::IsHeld(const std::string& origin, const feeds::ParsedEntry& e,
                   const feeds::ChainHead& head) {
  const feeds::LogPosition& pos = e.entry.log;
  return pos.origin == origin && pos.seq <= head.seq &&
         store_->HashAt(origin, pos.seq) == base::Sha256Hex(e.canonical);
}

Result<feeds::SignedEntry> Agent::VerifyFromFeed(const std::string& origin,
                                                 const feeds::ParsedEntry& e,
                                                 const feeds::ChainHead& head) {
  if (e.entry.log.origin != origin) {
    return Status::Invalid("entry of origin " + e.entry.log.origin + " inside the feed of origin " +
                           origin);
  }
  std::lock_guard<std::mutex> lock(trust_mu_);
  return feeds::VerifyEntry(e, trust_, head);
}

// Only the hub's registry vouches for keys; a node's own log may not
// declare keys for itself or for any other origin.
void Agent::LearnKeys(const std::string& origin, const feeds::SignedEntry& se) {
  if (!se.entry.node || origin != feeds::kHubCode) return;
  std::lock_guard<std::mutex> lock(trust_mu_);
  for (const auto& k : se.entry.node->keys) {
    if (se.entry.node->code != feeds::kHubCode) trust_.Add(se.entry.node->code, k);
  }
}

bool Agent::StoreVerified(const std::string& origin,
                          const std::vector<feeds::SignedEntry>& verified, ApplyOutcome* out) {
  if (verified.empty()) return true;
  Status s = store_->AppendVerified(verified, clock_.NowMs());
  if (!s.ok()) {
    Emit("store_failed", {{"origin", origin}, {"error", s.ToString()}});
    if (out->rejected.ok()) out->rejected = s;
    return false;
  }
  out->applied = verified.size();
  counters_.entries_verified += verified.size();
  counters_.store_commits++;
  notifier_.Notify(origin);
  HandOff(origin, verified);
  WakeIndexer();
  return true;
}

void Agent::HandOff(const std::string& origin, const std::vector<feeds::SignedEntry>& stored) {
  if (std::find(config_.origins.begin(), config_.origins.end(), origin) == config_.origins.end()) {
    return;  // carried for our children, not indexed here
  }
  std::lock_guard<std::mutex> lock(handoff_mu_);
  if (handoff_size_ + stored.size() > kIndexBatch) {
    // The indexer is far behind (a catch-up): it reads the store instead.
    handoff_.clear();
    handoff_size_ = 0;
    return;
  }
  auto& pending = handoff_[origin];
  for (const feeds::SignedEntry& se : stored) {
    if (pending.emplace(se.entry.log.seq, se.entry.release).second) ++handoff_size_;
  }
}

std::vector<std::pair<std::uint64_t, std::optional<feeds::Release>>> Agent::TakeHandedOff(
    const std::string& origin, std::uint64_t after, std::size_t limit) {
  std::vector<std::pair<std::uint64_t, std::optional<feeds::Release>>> out;
  std::lock_guard<std::mutex> lock(handoff_mu_);
  auto found = handoff_.find(origin);
  if (found == handoff_.end()) return out;
  auto& pending = found->second;
  // What is already indexed (the store was read instead) is dropped.
  while (!pending.empty() && pending.begin()->first <= after) {
    pending.erase(pending.begin());
    --handoff_size_;
  }
  while (!pending.empty() && out.size() < limit && pending.begin()->first == after + 1) {
    auto node = pending.extract(pending.begin());
    --handoff_size_;
    after = node.key();
    out.emplace_back(node.key(), std::move(node.mapped()));
  }
  return out;
}

void Agent::RecordProgress(const std::string& origin, std::uint64_t received,
                           std::uint64_t verified) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    base::TimeMs now = clock_.NowMs();
    RecordStageLocked(origin, "received", received, now);
    RecordStageLocked(origin, "verified", verified, now);
    ack_wanted_ = true;
  }
  ack_cv_.notify_one();
}

ApplyOutcome Agent::ApplyPage(const std::string& origin,
                              const std::vector<feeds::ParsedEntry>& page,
                              const std::string& source) {
  std::lock_guard<std::mutex> apply_lock(apply_mu_);
  ApplyOutcome out;
  feeds::ChainHead head = store_->HeadOf(origin);
  std::uint64_t received = 0;
  std::vector<feeds::SignedEntry> verified;
  for (const feeds::ParsedEntry& e : page) {
    const feeds::LogPosition& pos = e.entry.log;
    if (pos.seq <= head.seq + 1) received = std::max(received, pos.seq);
    if (IsHeld(origin, e, head)) {
      // Applying what we hold changes nothing; a parent that sends it again
      // is still worth a line, since we only ever ask for entries after our head.
      out.duplicates++;
      Emit(
          "duplicate_ignored",
          {{"origin", origin}, {"seq", Seq(pos.seq)}, {"head", Seq(head.seq)}, {"source", source}});
      continue;
    }
    Result<feeds::SignedEntry> r = VerifyFromFeed(origin, e, head);
    if (!r.ok()) {
      Reject(origin, e, r.status(), source);
      out.rejected = r.status();
      break;
    }
    LearnKeys(origin, *r);
    head = {origin, pos.seq, r->hash};
    verified.push_back(std::move(*r));
  }
  counters_.duplicates_ignored += out.duplicates;
  counters_.entries_received += page.size();
  if (!StoreVerified(origin, verified, &out)) return out;
  RecordProgress(origin, received, head.seq);
  return out;
}

Result<std::size_t> Agent::CatchUpIndex() {
  std::size_t total = 0;
  for (const std::string& origin : config_.origins) {
    for (;;) {
      std::lock_guard<std::mutex> lock(index_mu_);
      std::uint64_t done = index_->IndexedSeq(origin);
      // Entries just stored come parsed from ApplyPage; anything else (a
      // restart, a catch-up beyond the hand-off's bound) is read back.
      std::vector<std::pair<std::uint64_t, std::optional<feeds::Release>>> batch =
          TakeHandedOff(origin, done, kIndexBatch);
      if (batch.empty()) {
        for (StoredEntry& se : store_->ReadRange(origin, done, kIndexBatch)) {
          Result<feeds::Entry> e = feeds::DecodeStoredEntry(se.wire);
          if (!e.ok()) return e.status().Context("stored entry " + origin + "#" + Seq(se.seq));
          batch.emplace_back(se.seq, std::move(e->release));
        }
      }
      if (batch.empty()) break;
      for (auto& [seq, release] : batch) {
        if (!release) continue;
        search::IndexedRelease ir{std::move(*release), origin, seq, LevelOfCode(origin)};
        ZQ_RETURN_IF_ERROR(index_->Put(ir));
        // Index work is what grows the heap; registry entries index nothing.
        release_pending_ = true;
      }
      // Until something of this origin waits for a commit, what the index
      // holds of it is committed.
      if (!uncommitted_seq_.count(origin)) committed_seq_[origin] = done;
      ZQ_RETURN_IF_ERROR(index_->SetIndexedSeq(origin, batch.back().first));
      last_indexed_ = clock_.MonotonicMs();
      if (uncommitted_ == 0) {
        uncommitted_since_ = last_indexed_;
        commit_delay_ms_ = std::uniform_int_distribution<std::int64_t>(
            kIndexCommitDelayMs / 2, kIndexCommitDelayMs)(commit_jitter_);
      }
      uncommitted_ += batch.size();
      uncommitted_seq_[origin] = batch.back().first;
      total += batch.size();
      counters_.entries_indexed += batch.size();
      // A catch-up commits per full batch: memory stays bounded and a crash
      // loses little work. A trickle waits for CommitIndex to share one.
      if (uncommitted_ >= kIndexBatch) ZQ_RETURN_IF_ERROR(CommitIndexLocked());
      if (batch.size() == kIndexBatch) {
        Emit("index_progress", {{"origin", origin},
                                {"indexed_seq", Seq(batch.back().first)},
                                {"head", Seq(store_->Head(origin))}});
      }
      std::lock_guard<std::mutex> slock(mu_);
      base::TimeMs now = clock_.NowMs();
      RecordStageLocked(origin, "indexed", batch.back().first, now);
      // Without a local site, a node is live once its search serves the entry.
      if (!localizer_) {
        RecordStageLocked(origin, "localized", batch.back().first, now);
        RecordStageLocked(origin, "live", batch.back().first, now);
      }
      ack_wanted_ = true;
    }
  }
  if (total > 0) ack_cv_.notify_one();
  return total;
}

bool Agent::ReleaseMemoryIfIdle() {
  {
    std::lock_guard<std::mutex> lock(index_mu_);
    if (!release_pending_ || uncommitted_ > 0 ||
        clock_.MonotonicMs() - last_indexed_ < kIndexIdleMs) {
      return false;
    }
    release_pending_ = false;
  }
  const std::uint64_t before = RssAnonKb();
  {
    std::lock_guard<std::mutex> lock(index_mu_);
    // Only if nothing was indexed since the check above (else the next idle spell does it).
    if (uncommitted_ == 0) index_->ReleaseMemory();
  }
  store_->ReleaseMemory();
  feed_pages_->Clear();
  if (localizer_) localizer_->ReleaseMemory();
  malloc_trim(0);
  const std::uint64_t after = RssAnonKb();
  counters_.memory_releases++;
  Emit("memory_released", {{"rss_anon_kb_before", std::to_string(before)},
                           {"rss_anon_kb_after", std::to_string(after)}});
  return true;
}

std::int64_t Agent::IndexCommitDelayMs() {
  std::lock_guard<std::mutex> lock(index_mu_);
  return commit_delay_ms_;
}

Result<std::size_t> Agent::CommitIndex(bool force) {
  std::lock_guard<std::mutex> lock(index_mu_);
  if (uncommitted_ == 0) return 0;
  if (!force && clock_.MonotonicMs() - uncommitted_since_ < commit_delay_ms_) return 0;
  std::size_t n = uncommitted_;
  ZQ_RETURN_IF_ERROR(CommitIndexLocked());
  return n;
}

Status Agent::CommitIndexLocked() {
  base::TimeMs t0 = clock_.MonotonicMs();
  ZQ_RETURN_IF_ERROR(index_->Commit());
  std::vector<std::pair<std::string, std::string>> fields = {
      {"count", std::to_string(uncommitted_)},
      {"commit_ms", std::to_string(clock_.MonotonicMs() - t0)}};
  for (const auto& [origin, seq] : uncommitted_seq_) fields.push_back({"seq:" + origin, Seq(seq)});
  counters_.index_commits++;
  for (const auto& [origin, seq] : uncommitted_seq_) committed_seq_[origin] = seq;
  uncommitted_ = 0;
  uncommitted_seq_.clear();
  Emit("index_committed", std::move(fields));
  return Status::Ok();
}

Result<search::SearchResults> Agent::Search(const search::SearchQuery& q) {
  std::lock_guard<std::mutex> lock(index_mu_);
  return index_->Search(q);
}

}  // namespace zhanqun::agent
