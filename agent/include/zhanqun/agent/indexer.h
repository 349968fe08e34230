// The agent's indexer: puts the releases stored in the configured origins
// into the search index (search/), commits the index in shared batches, and
// hands memory back once it goes idle. Runs on its own thread (Run); the
// follower's side hands it just-stored entries (HandOff), and the HTTP
// handlers search through it.
//
// The index is derived from the store: whatever is stored past the index's
// recorded seq of an origin is indexed at the next pass, so a crash before a
// commit only means those entries are indexed again at the next start.
//
// Thread-safe. Owns the SearchIndex; the store, clock and counters must
// outlive it. Hooks run on the calling thread, some with the index's mutex
// held: they must not call back into the indexer.
#ifndef ZHANQUN_AGENT_INDEXER_H_
#define ZHANQUN_AGENT_INDEXER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "zhanqun/agent/agent_counters.h"
#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/agent/work_signal.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/search/search_index.h"

namespace zhanqun::agent {

// What the other parts of the agent hear from the indexer. Each may be empty.
struct IndexHooks {
  // `origin` is searchable up to `seq` now. Runs with the index's mutex held.
  std::function<void(const std::string& origin, std::uint64_t seq)> indexed;
  // A pass of the thread indexed something (or failed): new registry
  // entries may name origins to follow, and the site has work.
  std::function<void()> pass_done;
  // Going idle: drop what the other parts keep only for speed.
  std::function<void()> release_memory;
};

class Indexer {
 public:
  // `origins`: the logs whose releases are indexed (the others are carried
  // for our children only).
  Indexer(std::vector<std::string> origins, std::unique_ptr<search::SearchIndex> index,
          AgentStore& store, const base::Clock& clock, AgentCounters& counters, EventSink sink,
          IndexHooks hooks);

  // How long the entries indexed since the last commit wait for theirs: drawn
  // anew for each batch, uniformly from [kCommitDelayMs / 2, kCommitDelayMs].
  // Nodes that index the same stream in step would otherwise all commit after
  // the same entry, and where they share CPU (a simulated tree on one
  // machine, agents on one VM host) that burst of commits delays the next
  // entry everywhere at once.
  static constexpr std::int64_t kCommitDelayMs = 10000;
  // A commit blocks indexing while it runs, so the thread commits just after
  // it indexed something (the next entry is then likely furthest off), or
  // once nothing has come for this long: longer than the gaps of any stream
  // that would make commits worth sharing, so that a timed commit does not
  // land on the next entry of a steady stream.
  static constexpr std::int64_t kIdleMs = 15000;
  // Entries per catch-up batch, and the most handed off in memory.
  static constexpr std::size_t kBatch = 500;

  // Indexes every stored entry not yet indexed; returns how many. What it
  // indexes is searchable at once (searches go through the writer) and is
  // marked "indexed"; Commit makes it durable, at once for a full batch.
  base::Result<std::size_t> CatchUp();
  // Commits what CatchUp left uncommitted, if it is `force`d or has waited
  // CommitDelayMs(). Returns how many entries it committed.
  base::Result<std::size_t> Commit(bool force);
  std::int64_t CommitDelayMs();
  // Once nothing has been indexed for kIdleMs after indexing releases, hands
  // the heap that work freed back to the system: it closes the index's
  // writer (SearchIndex::ReleaseMemory), runs the release_memory hook and
  // trims the heap (malloc_trim). An agent is idle nearly all the time, and
  // without this it keeps its busiest moment's heap (3.2 MB of 8.7 MB
  // RssAnon after a stream, measured; the writer held another 0.8 MB). The
  // next entry then faults a few MB in again, a few ms. Returns whether it
  // released.
  bool ReleaseMemoryIfIdle();

  // Takes just-stored entries of `origin` (parsed, so the thread need not
  // read them back) and wakes the thread. Entries of origins not indexed
  // here are dropped; beyond kBatch waiting, the thread reads the store.
  void HandOff(const std::string& origin, const std::vector<feeds::SignedEntry>& stored);
  // Wakes the thread for a pass.
  void Wake() { signal_.Raise(); }

  base::Result<search::SearchResults> Search(const search::SearchQuery& q);
  struct Progress {
    std::uint64_t indexed = 0;    // searchable
    std::uint64_t committed = 0;  // durable
  };
  Progress ProgressOf(const std::string& origin);

  // The thread: each pass catches up, commits when due and releases memory
  // when idle; between passes it sleeps until woken or a commit is due.
  void Run();
  // Makes Run return. Does not commit (the owner does, after the join).
  void Stop() { signal_.Stop(); }

  // Steps of Run, for tests. How long the thread may sleep now (ms):
  // until a due commit or idle release, else a 60 s safety net.
  std::int64_t NextWaitMs();
  struct PassOutcome {
    base::Result<std::size_t> indexed = std::size_t{0};  // CatchUp's answer
    base::Status status;  // the pass's first failure (already logged as index_failed)
  };
  PassOutcome RunPass();

 private:
  // One batch of `origin` after `done`, from the hand-off or else the store;
  // empty when there is nothing more. REQUIRES: mu_ held.
  base::Result<std::vector<std::pair<std::uint64_t, std::optional<feeds::Release>>>> NextBatch(
      const std::string& origin, std::uint64_t done);
  // Indexes one batch of `origin` after `done`. REQUIRES: mu_ held.
  base::Status IndexBatch(const std::string& origin, std::uint64_t done,
                          std::vector<std::pair<std::uint64_t, std::optional<feeds::Release>>>& b);
  // REQUIRES: mu_ held.
  base::Status CommitLocked();
  // Takes the handed-off entries of `origin` that follow `after` without a
  // gap (at most `limit`); empty when the next one was not handed off.
  std::vector<std::pair<std::uint64_t, std::optional<feeds::Release>>> TakeHandedOff(
      const std::string& origin, std::uint64_t after, std::size_t limit);
  bool IsIndexed(const std::string& origin) const;

  const std::vector<std::string> origins_;
  AgentStore& store_;
  const base::Clock& clock_;
  AgentCounters& counters_;
  const EventSink sink_;
  const IndexHooks hooks_;
  WorkSignal signal_;

  std::mutex mu_;  // the index and the commit state below
  std::unique_ptr<search::SearchIndex> index_;
  // Entries indexed but not committed, and since when (monotonic ms).
  std::size_t uncommitted_ = 0;
  base::TimeMs uncommitted_since_ = 0;
  std::int64_t commit_delay_ms_ = kCommitDelayMs;
  std::minstd_rand commit_jitter_{std::random_device{}()};
  base::TimeMs last_indexed_ = 0;  // monotonic
  bool release_pending_ = false;   // releases indexed since the last release of memory
  std::map<std::string, std::uint64_t> uncommitted_seq_;  // origin -> newest indexed seq
  std::map<std::string, std::uint64_t> committed_seq_;    // origin -> newest committed seq

  // Entries just stored, handed to the thread as parsed: origin -> seq ->
  // the release (nullopt for entries that index nothing). Bounded by kBatch.
  std::mutex handoff_mu_;
  std::map<std::string, std::map<std::uint64_t, std::optional<feeds::Release>>> handoff_;
  std::size_t handoff_size_ = 0;  // guarded by handoff_mu_
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_INDEXER_H_
