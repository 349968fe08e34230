// The editorial services the hub daemon and its CLI share: the Desk over
// <data_dir>/desk.db and the Ingestor over <data_dir>/ingest.db, wired so
// that new upstream items become drafts through Desk::Import; and, for the
// daemon, a scheduler thread that publishes due scheduled drafts every
// second (Desk::PublishDue) while the ingestor polls its sources.
//
// The Hub must outlive the stack. Thread-safe as Desk and Ingestor are.
#ifndef ZHANQUN_HUB_DESK_STACK_H_
#define ZHANQUN_HUB_DESK_STACK_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "zhanqun/base/clock.h"
#include "zhanqun/hub/config.h"
#include "zhanqun/hub/desk.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/hub/ingest.h"

namespace zhanqun::hub {

class DeskStack {
 public:
  static base::Result<std::unique_ptr<DeskStack>> Open(const HubConfig& config, Hub& hub,
                                                       const base::Clock& clock);
  ~DeskStack();  // stops the background work

  Desk& desk() { return *desk_; }
  Ingestor& ingestor() { return *ingestor_; }

  // Starts the scheduler (and the ingestor when sources are configured).
  // `on_published(n)` is called after each pass that published n > 0 drafts.
  void Start(std::function<void(std::size_t)> on_published);
  void Stop();
  // The desk's /metrics families (Hub::AddMetricsSource registers this at
  // Open): drafts per state, per source up, failures, items imported/rejected.
  void WriteMetrics(base::MetricsWriter& w);

 private:
  DeskStack() = default;
  void RunScheduler();

  std::unique_ptr<Desk> desk_;
  std::unique_ptr<Ingestor> ingestor_;
  bool poll_sources_ = false;
  std::function<void(std::size_t)> on_published_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread scheduler_;
};

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_DESK_STACK_H_
