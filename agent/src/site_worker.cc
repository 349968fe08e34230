#include "zhanqun/agent/site_worker.h"

#include <utility>

namespace zhanqun::agent {

SiteWorker::SiteWorker(std::unique_ptr<Localizer> localizer, AgentStore& store,
                       const base::Clock& clock, EventSink sink, StageNote stage)
    : localizer_(std::move(localizer)),
      store_(store),
      clock_(clock),
      sink_(std::move(sink)),
      stage_(std::move(stage)) {}

void SiteWorker::Run() {
  while (signal_.Take(kSafetyNetMs)) Refresh();
}

void SiteWorker::Refresh() {
  base::TimeMs t0 = clock_.MonotonicMs();
  // Everything up to this head is interpreted, then rendered, by this refresh.
  const base::Result<std::uint64_t> target = store_.Head(feeds::kHubCode);
  if (!target.ok()) {
    Emit(sink_, "site_failed", {{"error", target.status().ToString()}});
    return;
  }
  base::Result<std::size_t> written =
      localizer_->Refresh([&] { stage_(feeds::Stage::kLocalized, *target); });
  if (!written.ok()) {
    Emit(sink_, "site_failed", {{"error", written.status().ToString()}});
    return;
  }
  stage_(feeds::Stage::kLive, *target);
  if (*written > 0) {
    Emit(sink_, "interpretations_written",
         {{"count", std::to_string(*written)}, {"ms", std::to_string(clock_.MonotonicMs() - t0)}});
  }
}

}  // namespace zhanqun::agent
