#include "zhanqun/agent/indexer.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "zhanqun/feeds/atom.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

using Batch = std::vector<std::pair<std::uint64_t, std::optional<feeds::Release>>>;

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

}  // namespace

Indexer::Indexer(std::vector<std::string> origins, std::unique_ptr<search::SearchIndex> index,
                 AgentStore& store, const base::Clock& clock, AgentCounters& counters,
                 EventSink sink, IndexHooks hooks)
    : origins_(std::move(origins)),
      store_(store),
      clock_(clock),
      counters_(counters),
      sink_(std::move(sink)),
      hooks_(std::move(hooks)),
      index_(std::move(index)) {}

bool Indexer::IsIndexed(const std::string& origin) const {
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void Indexer::HandOff(const std::string& origin, const std::vector<feeds::SignedEntry>& stored) {
  // Every store wakes the thread, indexed origin or not (it may bring the
  // registry entry that names a new origin to follow).
  if (IsIndexed(origin)) {
    std::lock_guard<std::mutex> lock(handoff_mu_);
    if (handoff_size_ + stored.size() > kBatch) {
      // The thread is far behind (a catch-up): it reads the store instead.
      handoff_.clear();
      handoff_size_ = 0;
    } else {
      auto& pending = handoff_[origin];
      for (const feeds::SignedEntry& se : stored) {
        if (pending.emplace(se.entry.log.seq, se.entry.release).second) ++handoff_size_;
      }
    }
  }
  signal_.Raise();
}

Batch Indexer::TakeHandedOff(const std::string& origin, std::uint64_t after, std::size_t limit) {
  Batch out;
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

Result<Batch> Indexer::NextBatch(const std::string& origin, std::uint64_t done) {
  // Entries just stored come parsed from the applier; anything else (a
  // restart, a catch-up beyond the hand-off's bound) is read back.
  Batch batch = TakeHandedOff(origin, done, kBatch);
  if (!batch.empty()) return batch;
  Result<std::vector<StoredEntry>> stored = store_.ReadRange(origin, done, kBatch);
  if (!stored.ok()) return stored.status();
  for (StoredEntry& se : *stored) {
    Result<feeds::Entry> e = feeds::DecodeStoredEntry(se.wire);
    if (!e.ok()) return e.status().Context("stored entry " + origin + "#" + Seq(se.seq));
    batch.emplace_back(se.seq, std::move(e->release));
  }
  return batch;
}

Status Indexer::IndexBatch(const std::string& origin, std::uint64_t done, Batch& batch) {
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
    commit_delay_ms_ = std::uniform_int_distribution<std::int64_t>(kCommitDelayMs / 2,
                                                                   kCommitDelayMs)(commit_jitter_);
  }
  uncommitted_ += batch.size();
  uncommitted_seq_[origin] = batch.back().first;
  counters_.entries_indexed += batch.size();
  // A catch-up commits per full batch: memory stays bounded and a crash
  // loses little work. A trickle waits for Commit to share one.
  if (uncommitted_ >= kBatch) ZQ_RETURN_IF_ERROR(CommitLocked());
  if (batch.size() == kBatch) {
    Result<std::uint64_t> head = store_.Head(origin);
    Emit(sink_, "index_progress",
         {{"origin", origin},
          {"indexed_seq", Seq(batch.back().first)},
          {"head", head.ok() ? Seq(*head) : "unreadable: " + head.status().ToString()}});
  }
  return Status::Ok();
}

Result<std::size_t> Indexer::CatchUp() {
  std::size_t total = 0;
  for (const std::string& origin : origins_) {
    for (;;) {
      std::lock_guard<std::mutex> lock(mu_);
      std::uint64_t done = index_->IndexedSeq(origin);
      Result<Batch> batch = NextBatch(origin, done);
      if (!batch.ok()) return batch.status();
      if (batch->empty()) break;
      ZQ_RETURN_IF_ERROR(IndexBatch(origin, done, *batch));
      total += batch->size();
      if (hooks_.indexed) hooks_.indexed(origin, batch->back().first);
    }
  }
  return total;
}

std::int64_t Indexer::CommitDelayMs() {
  std::lock_guard<std::mutex> lock(mu_);
  return commit_delay_ms_;
}

Result<std::size_t> Indexer::Commit(bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  if (uncommitted_ == 0) return 0;
  if (!force && clock_.MonotonicMs() - uncommitted_since_ < commit_delay_ms_) return 0;
  std::size_t n = uncommitted_;
  ZQ_RETURN_IF_ERROR(CommitLocked());
  return n;
}

Status Indexer::CommitLocked() {
  base::TimeMs t0 = clock_.MonotonicMs();
  ZQ_RETURN_IF_ERROR(index_->Commit());
  EventFields fields = {{"count", std::to_string(uncommitted_)},
                        {"commit_ms", std::to_string(clock_.MonotonicMs() - t0)}};
  for (const auto& [origin, seq] : uncommitted_seq_) fields.push_back({"seq:" + origin, Seq(seq)});
  counters_.index_commits++;
  for (const auto& [origin, seq] : uncommitted_seq_) committed_seq_[origin] = seq;
  uncommitted_ = 0;
  uncommitted_seq_.clear();
  Emit(sink_, "index_committed", fields);
  return Status::Ok();
}

bool Indexer::ReleaseMemoryIfIdle() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!release_pending_ || uncommitted_ > 0 || clock_.MonotonicMs() - last_indexed_ < kIdleMs) {
      return false;
    }
    release_pending_ = false;
  }
  const std::uint64_t before = RssAnonKb();
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Only if nothing was indexed since the check above (else the next idle spell does it).
    if (uncommitted_ == 0) index_->ReleaseMemory();
  }
  store_.ReleaseMemory();
  if (hooks_.release_memory) hooks_.release_memory();
  malloc_trim(0);
  const std::uint64_t after = RssAnonKb();
  counters_.memory_releases++;
  Emit(sink_, "memory_released",
       {{"rss_anon_kb_before", std::to_string(before)},
        {"rss_anon_kb_after", std::to_string(after)}});
  return true;
}

Result<search::SearchResults> Indexer::Search(const search::SearchQuery& q) {
  std::lock_guard<std::mutex> lock(mu_);
  return index_->Search(q);
}

Indexer::Progress Indexer::ProgressOf(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  Progress p;
  p.indexed = index_->IndexedSeq(origin);
  p.committed = uncommitted_seq_.count(origin) ? committed_seq_[origin] : p.indexed;
  return p;
}

}  // namespace zhanqun::agent
