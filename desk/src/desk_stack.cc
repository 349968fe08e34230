#include "zhanqun/desk/desk_stack.h"

#include <chrono>

#include "zhanqun/desk/workflow.h"

namespace zhanqun::desk {

base::Result<std::unique_ptr<DeskStack>> DeskStack::Open(const DeskConfig& config, hub::Hub& hub,
                                                         staff::AuditLog& audit,
                                                         const base::Clock& clock) {
  std::unique_ptr<DeskStack> s(new DeskStack());
  s->operations_ = std::make_unique<Operations>(hub, audit, clock);
  auto desk = Desk::Open(config.DeskDbPath(), DeskOptionsFromConfig(config), hub, audit, clock);
  if (!desk.ok()) return desk.status();
  s->desk_ = std::move(*desk);
  Desk* d = s->desk_.get();
  DraftSink sink = [d](const SourceConfig& source, DraftContent content,
                       const std::string& link) -> base::Result<std::int64_t> {
    base::Result<Draft> draft = d->Import(source.name, source.trusted, std::move(content), link);
    if (!draft.ok()) return draft.status();
    return draft->id;
  };
  auto ingestor = Ingestor::Open(config.IngestDbPath(), config.sources, sink, audit, clock);
  if (!ingestor.ok()) return ingestor.status();
  s->ingestor_ = std::move(*ingestor);
  s->poll_sources_ = !config.sources.empty();
  DeskStack* raw = s.get();
  hub.AddMetricsSource([raw](base::MetricsWriter& w) { raw->WriteMetrics(w); });
  hub.AddCounters(s->counters_);
  return s;
}

DeskStack::~DeskStack() { Stop(); }

void DeskStack::WriteMetrics(base::MetricsWriter& w) {
  base::Result<std::vector<std::pair<DraftState, std::size_t>>> counts = desk_->StateCounts();
  base::Result<std::vector<SourceView>> read = ingestor_->Sources();
  w.Family("zhanqun_hub_desk_store_up", base::MetricType::kGauge,
           "1 when desk.db and ingest.db answered this scrape, else 0 (the draft and source "
           "families then have no samples).");
  w.Sample(std::uint64_t{counts.ok() && read.ok() ? 1u : 0u});
  w.Family("zhanqun_hub_drafts", base::MetricType::kGauge,
           "Drafts on the editorial desk in each workflow state.");
  if (counts.ok()) {
    for (DraftState st : AllDraftStates()) {
      std::uint64_t n = 0;
      for (const auto& [s, c] : *counts) n += s == st ? c : 0;
      w.Sample(n, {{"state", DraftStateName(st)}});
    }
  }
  const std::vector<SourceView> sources = read.ok() ? *read : std::vector<SourceView>{};
  w.Family("zhanqun_hub_source_up", base::MetricType::kGauge,
           "1 when the upstream source's last poll succeeded (200 or 304), else 0.");
  for (const SourceView& v : sources) {
    bool up = v.state.last_status == SourceStatus::kOk ||
              v.state.last_status == SourceStatus::kNotModified;
    w.Sample(std::uint64_t{up ? 1u : 0u}, {{"source", v.config.name}});
  }
  w.Family("zhanqun_hub_source_failures", base::MetricType::kGauge,
           "Consecutive failed polls of the upstream source.");
  for (const SourceView& v : sources) {
    w.Sample(static_cast<std::int64_t>(v.state.failures), {{"source", v.config.name}});
  }
  w.Family("zhanqun_hub_source_items_imported_total", base::MetricType::kCounter,
           "Upstream items that became drafts.");
  for (const SourceView& v : sources) {
    w.Sample(v.state.items_imported, {{"source", v.config.name}});
  }
  w.Family("zhanqun_hub_source_items_rejected_total", base::MetricType::kCounter,
           "Upstream items or feeds refused (bad feed, no guid or link, refused as a draft).");
  for (const SourceView& v : sources) {
    w.Sample(v.state.items_rejected, {{"source", v.config.name}});
  }
}

void DeskStack::Start(std::function<void(std::size_t)> on_published,
                      std::function<void(const base::Status&)> on_error) {
  on_published_ = std::move(on_published);
  on_error_ = std::move(on_error);
  scheduler_ = std::thread([this] { RunScheduler(); });
  if (poll_sources_) {
    ingestor_->Start([this](const base::Status& s) {
      counters_.ingest_errors++;
      if (on_error_) on_error_(s.Context("ingestion"));
    });
  }
}

void DeskStack::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  if (ingestor_) ingestor_->Stop();
}

// Scheduled publication needs second precision, not more: one pass a second.
void DeskStack::RunScheduler() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    base::Result<Desk::DuePass> pass = desk_->PublishDue();
    if (!pass.ok()) {
      counters_.scheduler_errors++;
      if (on_error_) on_error_(pass.status().Context("scheduler"));
    } else {
      for (const auto& [id, error] : pass->failed) {
        counters_.scheduled_publish_failures++;
        if (on_error_) on_error_(error.Context("scheduled draft " + std::to_string(id)));
      }
      if (pass->published > 0 && on_published_) on_published_(pass->published);
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

}  // namespace zhanqun::desk
