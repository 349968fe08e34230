#include "zhanqun/hub/desk_stack.h"

#include <chrono>

namespace zhanqun::hub {

feeds::Result<std::unique_ptr<DeskStack>> DeskStack::Open(const HubConfig& config, Hub& hub,
                                                          const feeds::Clock& clock) {
  std::unique_ptr<DeskStack> s(new DeskStack());
  auto desk = Desk::Open(config.DeskDbPath(), DeskOptionsFromConfig(config), hub, hub.audit(),
                         clock);
  if (!desk.ok()) return desk.status();
  s->desk_ = std::move(*desk);
  Desk* d = s->desk_.get();
  DraftSink sink = [d](const SourceConfig& source, DraftContent content,
                       const std::string& link) -> feeds::Result<std::int64_t> {
    feeds::Result<Draft> draft = d->Import(source.name, source.trusted, std::move(content), link);
    if (!draft.ok()) return draft.status();
    return draft->id;
  };
  auto ingestor = Ingestor::Open(config.IngestDbPath(), config.sources, sink, hub.audit(), clock);
  if (!ingestor.ok()) return ingestor.status();
  s->ingestor_ = std::move(*ingestor);
  s->poll_sources_ = !config.sources.empty();
  return s;
}

DeskStack::~DeskStack() { Stop(); }

void DeskStack::Start(std::function<void(std::size_t)> on_published) {
  on_published_ = std::move(on_published);
  scheduler_ = std::thread([this] { RunScheduler(); });
  if (poll_sources_) ingestor_->Start();
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
    std::size_t n = desk_->PublishDue();
    if (n > 0 && on_published_) on_published_(n);
    lock.lock();
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

}  // namespace zhanqun::hub
