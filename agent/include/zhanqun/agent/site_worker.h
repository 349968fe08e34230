// The local site's thread: runs Localizer::Refresh when asked (after each
// indexing pass, after an ancestor's layers arrive, after an operator's
// write) or every kSafetyNetMs, so page writes never delay indexing or
// relaying. Times the hub log's "localized" and "live" stages.
//
// Thread-safe. Owns the Localizer; the store and clock must outlive it.
#ifndef ZHANQUN_AGENT_SITE_WORKER_H_
#define ZHANQUN_AGENT_SITE_WORKER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/agent/localizer.h"
#include "zhanqun/agent/work_signal.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/feeds/report.h"

namespace zhanqun::agent {

class SiteWorker {
 public:
  static constexpr std::int64_t kSafetyNetMs = 30000;
  // Told that the hub's log reached `stage` up to `seq` (now).
  using StageNote = std::function<void(feeds::Stage stage, std::uint64_t seq)>;

  SiteWorker(std::unique_ptr<Localizer> localizer, AgentStore& store, const base::Clock& clock,
             EventSink sink, StageNote stage);

  Localizer& localizer() { return *localizer_; }
  // Asks the thread to refresh the site soon.
  void RequestRefresh() { signal_.Raise(); }
  // One refresh: interprets up to the hub log's head now, then renders.
  void Refresh();

  void Run();
  void Stop() { signal_.Stop(); }

 private:
  std::unique_ptr<Localizer> localizer_;
  AgentStore& store_;
  const base::Clock& clock_;
  const EventSink sink_;
  const StageNote stage_;
  WorkSignal signal_;
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_SITE_WORKER_H_
