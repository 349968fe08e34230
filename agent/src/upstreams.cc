#include "zhanqun/agent/upstreams.h"

namespace zhanqun::agent {

Upstreams::Upstreams(std::vector<std::string> urls, int failures_to_switch)
    : urls_(std::move(urls)), failures_to_switch_(failures_to_switch) {}

Upstreams::Choice Upstreams::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (urls_.empty()) return {};
  return {current_, urls_[current_]};
}

bool Upstreams::MoveOnLocked(std::size_t index) {
  if (index != current_ || urls_.size() < 2) return false;
  // Past the last one, start again from the parent: it may be back.
  current_ = (current_ + 1) % urls_.size();
  failures_ = 0;
  misserved_.clear();
  switches_++;
  return true;
}

bool Upstreams::Failed(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index != current_) return false;
  if (++failures_ < failures_to_switch_) return false;
  return MoveOnLocked(index);
}

void Upstreams::Succeeded(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index == current_) failures_ = 0;
}

bool Upstreams::Misserved(std::size_t index, const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index != current_) return false;
  if (++misserved_[origin] < failures_to_switch_) return false;
  return MoveOnLocked(index);
}

void Upstreams::Served(std::size_t index, const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index != current_) return;
  failures_ = 0;
  misserved_.erase(origin);
}

bool Upstreams::Stale(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  return MoveOnLocked(index);
}

bool Upstreams::SwitchTo(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= urls_.size() || index == current_) return false;
  current_ = index;
  failures_ = 0;
  misserved_.clear();
  switches_++;
  return true;
}

std::uint64_t Upstreams::switches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return switches_;
}

}  // namespace zhanqun::agent
