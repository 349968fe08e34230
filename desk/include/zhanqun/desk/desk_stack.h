// The editorial services the hub daemon and its CLI share: the Desk over
// <data_dir>/desk.db and the Ingestor over <data_dir>/ingest.db, wired so
// that new upstream items become drafts through Desk::Import; and, for the
// daemon, a scheduler thread that publishes due scheduled drafts every
// second (Desk::PublishDue) while the ingestor polls its sources.
//
// The Hub must outlive the stack. Thread-safe as Desk and Ingestor are.
#ifndef ZHANQUN_DESK_DESK_STACK_H_
#define ZHANQUN_DESK_DESK_STACK_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/counters.h"
#include "zhanqun/desk/config.h"
#include "zhanqun/desk/desk.h"
#include "zhanqun/desk/ingest.h"
#include "zhanqun/desk/operations.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/staff/audit.h"

namespace zhanqun::desk {

// Prometheus names are zhanqun_hub_<name>_total: Open adds them to the hub's
// (Hub::AddCounters).
struct DeskCounters : base::CounterSet {
  base::Counter scheduler_errors{
      *this, "scheduler_errors",
      "Scheduler passes that could not read the scheduled drafts from desk.db."};
  base::Counter scheduled_publish_failures{
      *this, "scheduled_publish_failures",
      "Due scheduled drafts that failed to publish (each is retried on the next pass)."};
  base::Counter ingest_errors{*this, "ingest_errors",
                              "Ingestion passes ended by a failure of ingest.db or the audit log."};
};

class DeskStack {
 public:
  // The Hub and the AuditLog must outlive the stack.
  static base::Result<std::unique_ptr<DeskStack>> Open(const DeskConfig& config, hub::Hub& hub,
                                                       staff::AuditLog& audit,
                                                       const base::Clock& clock);
  ~DeskStack();  // stops the background work

  Desk& desk() { return *desk_; }
  Ingestor& ingestor() { return *ingestor_; }
  Operations& operations() { return *operations_; }

  // Starts the scheduler (and the ingestor when sources are configured).
  // `on_published(n)` is called after each pass that published n > 0 drafts;
  // `on_error` (may be empty) with each error of the background work (a
  // scheduler pass that failed, a draft that failed to publish, an ingestion
  // pass that failed), each also counted in counters(). Both run on the
  // background threads.
  void Start(std::function<void(std::size_t)> on_published,
             std::function<void(const base::Status&)> on_error = nullptr);
  void Stop();
  const DeskCounters& counters() const { return counters_; }
  // The desk's /metrics families (Hub::AddMetricsSource registers this at
  // Open): drafts per state, per source up, failures, items imported/rejected,
  // and zhanqun_hub_desk_store_up (0 when desk.db or ingest.db failed to
  // answer this scrape; the families read from it then have no samples).
  void WriteMetrics(base::MetricsWriter& w);

 private:
  DeskStack() = default;
  void RunScheduler();

  std::unique_ptr<Desk> desk_;
  std::unique_ptr<Ingestor> ingestor_;
  std::unique_ptr<Operations> operations_;
  bool poll_sources_ = false;
  std::function<void(std::size_t)> on_published_;
  std::function<void(const base::Status&)> on_error_;
  DeskCounters counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread scheduler_;
};

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_DESK_STACK_H_
