// The indexer's thread: when it wakes, and what one pass does.
#include <algorithm>

#include "zhanqun/agent/indexer.h"

namespace zhanqun::agent {

namespace {

// Every store wakes the thread; the timed wake-up is for a due commit or
// release, and a safety net otherwise.
constexpr std::int64_t kSafetyNetMs = 60000;
constexpr std::int64_t kRetryMs = 1000;

}  // namespace

std::int64_t Indexer::NextWaitMs() {
  std::lock_guard<std::mutex> lock(mu_);
  const base::TimeMs now = clock_.MonotonicMs();
  if (uncommitted_ > 0) {
    base::TimeMs at = std::max(uncommitted_since_ + commit_delay_ms_, last_indexed_ + kIdleMs);
    return std::clamp<std::int64_t>(at - now, 0, kSafetyNetMs);
  }
  if (release_pending_) {  // going idle: release the heap then
    return std::clamp<std::int64_t>(last_indexed_ + kIdleMs - now, 0, kSafetyNetMs);
  }
  return kSafetyNetMs;
}

Indexer::PassOutcome Indexer::RunPass() {
  PassOutcome out;
  out.indexed = CatchUp();
  base::Result<std::size_t> committed = out.indexed;
  if (out.indexed.ok()) {
    bool idle;
    {
      std::lock_guard<std::mutex> lock(mu_);
      idle = clock_.MonotonicMs() - last_indexed_ >= kIdleMs;
    }
    if (*out.indexed > 0 || idle) committed = Commit(/*force=*/false);
  }
  if (!committed.ok()) {
    out.status = committed.status();
    Emit(sink_, "index_failed", {{"error", out.status.ToString()}});
  } else {
    ReleaseMemoryIfIdle();
  }
  return out;
}

void Indexer::Run() {
  while (signal_.Take(NextWaitMs())) {
    PassOutcome pass = RunPass();
    if (!pass.status.ok() && !signal_.Sleep(kRetryMs)) return;
    if (pass.indexed.ok() && *pass.indexed == 0) continue;
    if (hooks_.pass_done) hooks_.pass_done();
  }
}

}  // namespace zhanqun::agent
